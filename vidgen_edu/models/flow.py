"""A class-conditional video flow-matching model (rectified flow) with classifier-free guidance.

Conditional flow matching (Lipman et al. 2023, arXiv:2210.02747) on the straight path of
rectified flow (Liu et al. 2023, arXiv:2209.03003): a clip ``x0`` and Gaussian noise ``eps`` are
joined by

    x_t = (1 - t) x0 + t eps,        t in [0, 1]  (t = 0: data, t = 1: noise)

whose velocity ``d x_t / dt = eps - x0`` is the regression target of the network ``v(x_t, t, y)``:

    L = E_{t, x0, eps} || v(x_t, t, y) - (eps - x0) ||^2

with ``t`` drawn logit-normal, ``t = sigmoid(n), n ~ N(0, 1)`` (Esser et al. 2024, SD3,
arXiv:2403.03206, sec. 3.1: more weight on the middle of the path, where the target is hardest).
The minimiser is the marginal velocity field, and integrating ``dx/dt = v`` from ``t = 1``
(noise) down to ``t = 0`` carries the noise distribution onto the data distribution
(``vidgen_edu.foundations.flow_toy`` checks this on toy mixtures).

Classifier-free guidance (Ho & Salimans 2022, arXiv:2207.12598): the class is replaced by a
"null" class for a fraction ``flow_label_dropout`` of the training clips, so one network learns
``v(x, t, y)`` and ``v(x, t, null)``; the sampler uses ``v_null + w (v_y - v_null)``, ``w > 1``
trading diversity for class fidelity. Both passes run as ONE batch of 2B clips.
"""

from __future__ import annotations

import torch
from torch import nn

from vidgen_edu.errors import UsageError

from .config import ModelConfig
from .contract import StepContext, VideoModel
from .layers import sample_labels
from .unet import SpaceTimeUNet

SOLVERS = ("euler", "heun")
# Default sampling settings, chosen by measurement (benchmarks/flow_sampling.py): at 4 Euler steps
# with guidance, one 32x32x16 clip costs 8 network evaluations (~0.17 CPU-s on this machine).
DEFAULT_STEPS = 4
DEFAULT_GUIDANCE = 2.0
DEFAULT_SOLVER = "euler"
GRAD_CLIP = 1.0  # max gradient norm per update: guards the first steps at lr 1e-3


def interpolate(x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The rectified-flow path ``x_t = (1 - t) x0 + t eps``; ``t`` (B,) broadcasts over a clip."""
    t = t.reshape(-1, *([1] * (x0.dim() - 1)))  # (B, 1, 1, 1, 1)
    return (1 - t) * x0 + t * noise


def flow_matching_loss(
    velocity: torch.Tensor, x0: torch.Tensor, noise: torch.Tensor
) -> torch.Tensor:
    """``mean || v - (eps - x0) ||^2``: the conditional flow-matching loss (per value)."""
    return ((velocity - (noise - x0)) ** 2).mean()


def logit_normal(n: int, *, generator=None, device=None) -> torch.Tensor:
    """Flow times ``t = sigmoid(N(0, 1))`` in (0, 1), shape (n,) (SD3's logit-normal sampling)."""
    return torch.sigmoid(torch.randn(n, generator=generator, device=device))


def drop_labels(labels: torch.Tensor, p: float, null: int, generator=None) -> torch.Tensor:
    """``labels`` with a fraction ``p`` replaced by ``null``: the classifier-free training signal."""
    drop = torch.rand(labels.shape, generator=generator, device=labels.device) < p
    return torch.where(drop, torch.full_like(labels, null), labels)


def time_grid(steps: int, device=None) -> torch.Tensor:
    """``steps + 1`` flow times from 1 (noise) down to 0 (data), evenly spaced."""
    return torch.linspace(1.0, 0.0, steps + 1, device=device)


class FlowDenoiser(nn.Module):
    """The velocity network with its ODE sampler: the generator of the flow model.

    Its ``state_dict`` is the whole network, so the training loop's EMA, the checkpoint and the
    shipped asset need nothing special.
    """

    sample_options = ("steps", "guidance")

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.net = SpaceTimeUNet(
            channels=cfg.channels,
            frames=cfg.frames,
            width=cfg.flow_width,
            num_classes=cfg.num_classes,
        )

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels=None) -> torch.Tensor:
        """``v(x_t, t, y)``: clips (B, C, T, H, W), times (B,), class ids (B,) or None."""
        return self.net(x, t, labels)

    def guided(self, x: torch.Tensor, t: float, labels, guidance: float) -> torch.Tensor:
        """``v_null + w (v_y - v_null)`` with the two passes in one batch; ``w = 1``: ``v_y``."""
        b = x.shape[0]
        if labels is None or guidance == 1.0:
            return self(x, torch.full((b,), t, device=x.device), labels)
        null = torch.full_like(labels, self.cfg.num_classes)
        v = self(
            torch.cat([x, x]), torch.full((2 * b,), t, device=x.device), torch.cat([labels, null])
        )  # (2B, C, T, H, W)
        v_y, v_null = v.chunk(2)
        return v_null + guidance * (v_y - v_null)

    @torch.no_grad()
    def sample(
        self,
        n: int,
        *,
        labels=None,
        generator=None,
        steps: int | None = None,
        guidance: float | None = None,
        solver: str | None = None,
    ) -> torch.Tensor:
        """``n`` clips (B, C, T, H, W) in [-1, 1]: integrate ``dx/dt = v`` from noise (t = 1) to t = 0.

        ``steps`` ODE steps (default ``DEFAULT_STEPS``) of ``solver`` ("euler", or "heun":
        Euler plus a trapezoidal correction, 2 evaluations per step but the last) at guidance
        scale ``guidance`` (1 = the conditional velocity only; ignored by an unconditional model).
        """
        steps = DEFAULT_STEPS if steps is None else steps
        solver = solver or DEFAULT_SOLVER
        guidance = DEFAULT_GUIDANCE if guidance is None else float(guidance)
        if int(steps) != steps or steps < 1 or solver not in SOLVERS or guidance < 0:
            raise UsageError(
                f"steps={steps}, guidance={guidance}, solver={solver!r}: expected "
                f"steps >= 1, guidance >= 0 and a solver in {', '.join(SOLVERS)}"
            )
        cfg, dev = self.cfg, next(self.parameters()).device
        labels = sample_labels(n, cfg.num_classes, labels, generator, dev)
        x = torch.randn(
            n, cfg.channels, cfg.frames, cfg.size, cfg.size, generator=generator, device=dev
        )  # (B, C, T, H, W): x_1, pure noise
        ts = time_grid(int(steps)).tolist()
        for t, t_next in zip(ts[:-1], ts[1:], strict=True):
            v = self.guided(x, t, labels, guidance)
            x_next = x + (t_next - t) * v  # Euler
            if solver == "heun" and t_next > 0:
                v_next = self.guided(x_next, t_next, labels, guidance)
                x_next = x + (t_next - t) * 0.5 * (v + v_next)  # trapezoid
            x = x_next
        return x.clamp(-1, 1)


class VideoFlow(VideoModel):
    """The flow-matching family: ``.generator`` is the denoiser; it owns its objective."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.config = cfg
        self.generator = FlowDenoiser(cfg)

    def loss(self, video, labels=None, *, generator=None) -> torch.Tensor:
        """The flow-matching loss of a batch (see the module docstring), labels dropped at random."""
        cfg, b = self.config, video.shape[0]
        noise = torch.randn(video.shape, generator=generator, device=video.device)
        t = logit_normal(b, generator=generator, device=video.device)  # (B,)
        if labels is not None and cfg.num_classes:
            labels = drop_labels(labels, cfg.flow_label_dropout, cfg.num_classes, generator)
        v = self.generator(interpolate(video, noise, t), t, labels)  # (B, C, T, H, W)
        return flow_matching_loss(v, video, noise)

    def configure_optimizers(self, train) -> dict[str, torch.optim.Optimizer]:
        """One Adam at ``lr_g`` (reached after ``flow_warmup`` steps of linear warm-up)."""
        betas = (train.beta1, train.beta2)
        return {"flow": torch.optim.Adam(self.generator.parameters(), lr=train.lr_g, betas=betas)}

    def training_step(self, ctx: StepContext, optimizers: dict) -> dict[str, float]:
        """One update of the flow-matching loss (``loss``); the warm-up depends on the step only."""
        opt = optimizers["flow"]
        for group in opt.param_groups:
            group["lr"] = ctx.train.lr_g * min(
                1.0, (ctx.step + 1) / max(1, self.config.flow_warmup)
            )
        video, labels = ctx.real(0)  # (B, C, T, H, W), (B,) or None
        with ctx.autocast():
            loss = self.loss(video, labels, generator=ctx.rng(0))
        out = {"loss": ctx.finite("flow-matching loss", loss)}
        opt.zero_grad(set_to_none=True)
        loss.backward()
        out["grad_norm"] = float(nn.utils.clip_grad_norm_(self.generator.parameters(), GRAD_CLIP))
        opt.step()
        return out


__all__ = ["FlowDenoiser", "VideoFlow", "flow_matching_loss", "interpolate", "logit_normal"]
