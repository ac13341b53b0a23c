"""A differentially private video GAN: DP-SGD on the discriminator's real half only.

Only the discriminator reads private clips; the generator sees nothing but the discriminator's
parameters and its own noise, so everything it becomes is post-processing of the discriminator's
private updates and costs no privacy (Dwork and Roth 2014, Prop. 2.1). Each discriminator update:

1. **The real half, private.** A Poisson sample of the fixed set (each clip with probability
   ``q``; ``FixedDigits.poisson``). Each clip's own gradient of its term of the loss
   (``relu(1 - D(x_i))`` for the hinge loss, ``softplus(-D(x_i))`` for the logistic one) is
   clipped to norm ``C``; their sum gets Gaussian noise
   ``N(0, sigma^2 C^2 I)``; divided by the expected batch ``q N``. This is DP-SGD (Abadi et al.
   2016, CCS, Algorithm 1), and the only place a private record enters an update.
2. **The fake half, free.** ``relu(1 + D(G(z)))`` (or ``softplus(D(G(z)))``) on generated clips with labels drawn uniformly
   (never the real batch's labels, which are private). Its gradient is a function of D's current
   parameters (already the output of earlier private steps), G's parameters and fresh noise: no
   private record of this step. By post-processing it can be added to the noised real gradient
   without per-sample clipping or noise, so only the real half pays for privacy and the accountant counts
   one Gaussian mechanism per update, as it should. Opacus's example (``examples/dcgan.py``)
   instead runs real and fake through the private D: the fakes are clipped and noised for
   nothing, and stepping the private optimizer twice per iteration charges privacy twice
   (Opacus issue #418). The fake half's mean gradient is scaled to norm at most ``C`` as one
   vector (no per-sample work): not for privacy, but so that the unclipped fakes cannot outweigh
   the clipped reals, whose average has norm at most ``C``.

The generator's update runs with the per-sample hooks switched off, or its backward pass would
leave per-sample gradients in the discriminator (FIELD-NOTES.md: hooks must be disabled, freezing
D with ``requires_grad_(False)`` alone is not enough).
"""

from __future__ import annotations

import contextlib
import warnings

import torch

from vidgen_edu.models.contract import StepContext
from vidgen_edu.models.gan import VideoGAN
from vidgen_edu.models.layers import pick_window
from vidgen_edu.models.losses import d_terms


def weighted_sum(coef: torch.Tensor, grads) -> torch.Tensor:
    """``sum_b coef_b g_b`` of per-sample gradients: a (B, ...) tensor or a list of B tensors."""
    if isinstance(grads, torch.Tensor):
        return torch.einsum("b,b...->...", coef, grads)
    return sum(c * g for c, g in zip(coef, grads, strict=True))


class PrivateVideoGAN(VideoGAN):
    """A ``VideoGAN`` (video discriminator only) whose discriminator is trained with DP-SGD.

    Its parameters and ``state_dict`` are exactly a ``VideoGAN``'s, so checkpoints load into the
    ordinary model for sampling and scoring. ``data`` is the fixed private set, ``privacy`` the
    run's ``PrivacyConfig`` with its calibrated ``noise_multiplier``, ``batch`` the expected
    number of real clips per update (``q = batch / len(data)``).
    """

    def __init__(self, cfg, data, privacy, *, batch: int, loss: str = "hinge"):
        super().__init__(cfg)
        self.loss = loss
        from opacus.grad_sample import wrap_model

        from .per_sample import register

        register()  # our Conv3d per-sample gradients and norms (per_sample.py)
        self.data, self.privacy = data, privacy
        self.sample_rate = batch / len(data)
        self.expected_batch = batch
        # Not registered as a submodule: the state dict stays the plain VideoGAN's.
        ghost = {"max_grad_norm": privacy.max_grad_norm, "use_ghost_clipping": True}
        gsm = wrap_model(
            self.discriminators["video"],
            privacy.grad_sample_mode,
            batch_first=True,
            loss_reduction="sum",
            **(ghost if privacy.grad_sample_mode == "ghost" else {}),
        )
        object.__setattr__(self, "_private_d", gsm)

    @contextlib.contextmanager
    def hooks_off(self):
        """Per-sample gradient hooks off: for passes that read no private record."""
        gsm = self._private_d
        if hasattr(gsm, "disable_hooks"):
            gsm.disable_hooks()
        try:
            yield
        finally:
            if hasattr(gsm, "enable_hooks"):
                gsm.enable_hooks()

    def d_params(self) -> list[torch.nn.Parameter]:
        return [p for p in self.discriminators["video"].parameters() if p.requires_grad]

    def d_update(self, ctx: StepContext, opt, k: int) -> dict[str, float]:
        """One private discriminator update: noised real half plus free fake half."""
        gen = ctx.rng(2 * k)
        real = self.data.poisson(self.sample_rate, generator=ctx.rng(2 * k + 1), device=ctx.device)
        noisy_real, real_mean = self.private_real_gradient(real, gen)
        fake_grads, fake_mean = self.fake_gradient(*self.fake_batch(ctx.train.batch, gen), gen)
        for p, g_real, g_fake in zip(self.d_params(), noisy_real, fake_grads, strict=True):
            p.grad = g_real + g_fake
        opt.step()
        opt.zero_grad(set_to_none=True)
        return {"real_batch": float(len(real)), "real_video": real_mean, "fake_video": fake_mean}

    def private_real_gradient(self, real, gen) -> tuple[list[torch.Tensor], float]:
        """``(sum_i clip_C(grad_i) + N(0, sigma^2 C^2)) / (q N)`` of the real hinge terms."""
        params, cfg = self.d_params(), self.privacy
        total, mean_logit = [torch.zeros_like(p) for p in params], float("nan")
        if len(real):
            clip_sum = (
                self._ghost_clipped_sum if cfg.grad_sample_mode == "ghost" else self._clipped_sum
            )
            total, mean_logit = clip_sum(real, gen)
            self.clear_grads()
        std = cfg.noise_multiplier * cfg.max_grad_norm
        noise_gen = torch.Generator(device=params[0].device).manual_seed(
            int(torch.randint(2**62, (1,), generator=gen))
        )
        noisy = [
            (t + std * torch.randn(t.shape, generator=noise_gen, device=t.device))
            / self.expected_batch
            for t in total
        ]
        return noisy, mean_logit

    def _real_hinge(self, real, gen) -> tuple[torch.Tensor, list, float]:
        """Each real clip's term of L_D, e.g. ``relu(1 - D(x_i))``, (B,), through the hooked D;
        what to backpropagate to: the window it saw (which requires grad: backpropagating to it
        skips the batch's weight gradients, which the per-sample engine computes on its own);
        and the mean logit (for the log)."""
        labels = real.labels if self.config.num_classes else None
        window = pick_window(real.video, self.config.d_frames, gen).requires_grad_(True)
        logits = self._private_d(window, labels)  # (B,)
        terms = d_terms(logits, real=True, kind=self.loss)
        return terms, [window, *self._label_params()], float(logits.detach().mean())

    def _label_params(self) -> list[torch.nn.Parameter]:
        """The class embedding: its input (a label) has no gradient, so backpropagating to the
        window alone would never reach it; asking for its gradient runs its hook."""
        embed = self.discriminators["video"].head.embed
        return [] if embed is None else list(embed.parameters())

    def _clipped_sum(self, real, gen) -> tuple[list[torch.Tensor], float]:
        """Per-sample gradients (Opacus's hooks), each clipped to norm C, summed."""
        params, c = self.d_params(), self.privacy.max_grad_norm
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Full backward hook is firing")
            hinge, inputs, mean_logit = self._real_hinge(real, gen)
            torch.autograd.grad(hinge.sum(), inputs)  # the hooks fill p.grad_sample
        norms = torch.stack([p.grad_sample.flatten(1).norm(dim=1) for p in params]).norm(dim=0)
        scale = (c / (norms + 1e-6)).clamp(max=1.0)  # (B,): each clip's gradient to norm <= C
        total = [torch.einsum("b,b...->...", scale, p.grad_sample) for p in params]
        return total, mean_logit

    def _ghost_clipped_sum(self, real, gen) -> tuple[list[torch.Tensor], float]:
        """Ghost clipping (Li et al. 2022, ICLR; Bu et al. 2023): per-sample gradient NORMS from
        activations and output gradients, then the clipped sum ``sum_i c_i g_i`` with
        ``c_i = min(1, C / ||g_i||)``. Where the norm sampler formed a layer's per-sample gradients
        anyway (``per_sample.py``, the early layers), they are weighted directly; the other
        parameters get one ordinary backward of ``sum_i c_i loss_i``, which stops at them, so the
        costly early layers are not backpropagated twice."""
        gsm, params = self._private_d, self.d_params()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Full backward hook is firing")
            hinge, inputs, mean_logit = self._real_hinge(real, gen)
            torch.autograd.grad(hinge.sum(), inputs, retain_graph=True)  # norms only
            coef = gsm.get_clipping_coef().detach()  # (B,)
            formed = [getattr(p, "per_sample_grad", None) for p in params]
            rest = [p for p, f in zip(params, formed, strict=True) if f is None]
            with self.hooks_off():
                grads = iter(torch.autograd.grad((coef * hinge).sum(), rest) if rest else [])
        total = [next(grads) if f is None else weighted_sum(coef, f) for f in formed]
        return total, mean_logit

    def fake_batch(self, n: int, gen) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``n`` generated clips with uniform labels (never the private batch's labels)."""
        classes, device = self.config.num_classes, next(self.parameters()).device
        labels = torch.randint(0, classes, (n,), generator=gen, device=device) if classes else None
        with torch.no_grad():
            return self.generator.sample(n, labels=labels, generator=gen), labels

    def fake_gradient(self, fake, labels, gen) -> tuple[list[torch.Tensor], float]:
        """The ordinary gradient of the fake terms' mean: reads no private record."""
        with self.hooks_off(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Full backward hook is firing")
            logits = self.discriminators["video"](
                pick_window(fake, self.config.d_frames, gen), labels
            )
            loss = d_terms(logits, real=False, kind=self.loss).mean()
            grads = torch.autograd.grad(loss, self.d_params())
        norm = torch.cat([g.flatten() for g in grads]).norm()
        scale = (self.privacy.max_grad_norm / (norm + 1e-6)).clamp(max=1.0)
        return [g * scale for g in grads], float(logits.detach().mean())

    def g_update(self, ctx: StepContext, opt) -> dict[str, float]:
        """The generator's update, hooks off: post-processing of the private discriminator."""
        with self.hooks_off(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Full backward hook is firing")
            out = super().g_update(ctx, opt)
        self.clear_grads()
        return out

    def clear_grads(self) -> None:
        for p in self.discriminators["video"].parameters():
            p.grad_sample = None
            p.grad = None
            for name in ("_norm_sample", "per_sample_grad"):
                if hasattr(p, name):
                    delattr(p, name)
