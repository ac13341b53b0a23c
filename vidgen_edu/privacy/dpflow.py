"""A differentially private flow-matching model: DP-SGD on every parameter, with noise multiplicity.

Unlike a GAN's generator, every parameter of a flow model reads private clips (its loss is a
regression onto them), so the whole network is trained with DP-SGD. DPDM (Dockhorn, Cao, Vahdat
and Kreis 2023, TMLR, "Differentially Private Diffusion Models") adds *noise multiplicity*: each
private clip's loss is averaged over ``K`` draws of the flow time and noise BEFORE its gradient
is clipped. The average is still one clip's gradient (sensitivity C, the same accounting), but
its variance, which the clipping and the added noise would otherwise amplify, falls by up to K.

Per-sample gradients come from ``torch.func`` (``vmap`` of ``grad`` over clips, each clip's K
copies forming its own small batch), which is how Opacus's ``functorch`` engine computes them
too; here the K copies must stay inside one sample, which Opacus's hooks cannot express.
"""

from __future__ import annotations

import torch
from torch.func import functional_call, grad, vmap

from vidgen_edu.models.contract import StepContext
from vidgen_edu.models.flow import VideoFlow, drop_labels, interpolate, logit_normal

CHUNK = 4  # clips whose per-sample gradients are computed at once (memory grows with it)


class PrivateVideoFlow(VideoFlow):
    """A ``VideoFlow`` whose updates are DP-SGD steps over a fixed private set ``data``.

    ``multiplicity`` is DPDM's K. Its ``state_dict`` is the plain ``VideoFlow``'s.
    """

    def __init__(self, cfg, data, privacy, *, batch: int, multiplicity: int = 2):
        super().__init__(cfg)
        self.data, self.privacy, self.k = data, privacy, multiplicity
        self.sample_rate, self.expected_batch = batch / len(data), batch

    def clip_loss(self, params, x0, label, noise, t, drop):
        """One clip's flow-matching loss averaged over its K (time, noise) draws."""
        x0 = x0.expand(self.k, *x0.shape)  # (K, C, T, H, W)
        labels = None
        if label is not None:
            null = torch.full_like(drop, self.config.num_classes, dtype=torch.long)
            labels = torch.where(drop, null, label.expand(self.k))
        v = functional_call(self.generator, params, (interpolate(x0, noise, t), t, labels))
        return ((v - (noise - x0)) ** 2).mean()

    def clipped_sum(self, real, gen) -> list[torch.Tensor]:
        """``sum_i clip_C(grad_i)`` over the Poisson sample ``real`` (zeros if it is empty)."""
        params = {n: p.detach() for n, p in self.generator.named_parameters()}
        total = {n: torch.zeros_like(p) for n, p in params.items()}
        c, k = self.privacy.max_grad_norm, self.k
        conditional = bool(self.config.num_classes)
        per_clip = vmap(
            grad(self.clip_loss), in_dims=(None, 0, 0 if conditional else None, 0, 0, 0)
        )
        for start in range(0, len(real), CHUNK):
            x0 = real.video[start : start + CHUNK]  # (b, C, T, H, W)
            b = len(x0)
            noise = torch.randn((b, k, *x0.shape[1:]), generator=gen, device=x0.device)
            t = logit_normal(b * k, generator=gen, device=x0.device).reshape(b, k)
            labels = real.labels[start : start + CHUNK] if conditional else None
            drop = drop_labels(
                torch.zeros(b, k, dtype=torch.long, device=x0.device),
                self.config.flow_label_dropout,
                1,
                gen,
            ).bool()
            grads = per_clip(params, x0, labels, noise, t, drop)  # {name: (b, *shape)}
            norms = torch.stack([g.flatten(1).norm(dim=1) for g in grads.values()]).norm(dim=0)
            scale = (c / (norms + 1e-6)).clamp(max=1.0)  # (b,)
            for n, g in grads.items():
                total[n] += torch.einsum("b,b...->...", scale, g)
        return list(total.values())

    def training_step(self, ctx: StepContext, optimizers: dict) -> dict[str, float]:
        """One DP-SGD update: clipped per-clip gradients, Gaussian noise, divided by ``q N``."""
        opt = optimizers["flow"]
        for group in opt.param_groups:  # the same warm-up as the non-private model
            group["lr"] = ctx.train.lr_g * min(
                1.0, (ctx.step + 1) / max(1, self.config.flow_warmup)
            )
        gen = ctx.rng(0)
        real = self.data.poisson(self.sample_rate, generator=ctx.rng(1), device=ctx.device)
        std = self.privacy.noise_multiplier * self.privacy.max_grad_norm
        total = self.clipped_sum(real, gen)
        for p, s in zip(self.generator.parameters(), total, strict=True):
            noise = torch.randn(s.shape, generator=gen, device=s.device)
            p.grad = (s + std * noise) / self.expected_batch
        opt.step()
        opt.zero_grad(set_to_none=True)
        return {"real_batch": float(len(real))}
