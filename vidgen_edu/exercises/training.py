"""Exercises of notebook 04 (training a video GAN): ``check("hinge_losses", fn)`` and so on.

- ``hinge_losses``: the hinge losses of D and G from logits (Lim & Ye 2017, arXiv:1705.02894).
- ``frame_change``: mean absolute change between consecutive frames, the static-video detector.
- ``ema_update``: one step of a generator's exponential moving average (Yazici et al. 2019).
- ``frechet_1d``: the Fréchet distance between two 1-D Gaussians, FID/FVD in one dimension.
- ``clip_augment``: the same horizontal flip and shift applied to every frame of a clip.
- ``nb04_one_frame_video_d`` (predict) and ``nb04_diagnose_report`` (diagnose): questions; the
  notebook runs the experiment (or prints the report) and asserts what the answer says.

The references are the library's own functions where it has one (``models.losses``,
``metrics.frame_change``, ``metrics.frechet_distance``) and short formulas otherwise.
"""

from __future__ import annotations

import numpy as np
import torch

from vidgen_edu.metrics import frame_change, frechet_distance
from vidgen_edu.models.losses import d_loss, g_loss

from .core import exercise, normal, question


def hinge_losses(real_logits: torch.Tensor, fake_logits: torch.Tensor):
    """``(L_D, L_G)``: ``mean relu(1 - D(x)) + mean relu(1 + D(G(z)))`` and ``-mean D(G(z))``."""
    return d_loss(real_logits, fake_logits, kind="hinge"), g_loss(fake_logits, kind="hinge")


def ema_update(ema: torch.Tensor, weights: torch.Tensor, decay: float) -> torch.Tensor:
    """``theta_ema <- decay * theta_ema + (1 - decay) * theta`` (returns the new average)."""
    return decay * ema + (1.0 - decay) * weights


def frechet_1d(mu1: float, var1: float, mu2: float, var2: float) -> float:
    """``(mu1 - mu2)^2 + var1 + var2 - 2 sqrt(var1 var2)`` = ``(mu1-mu2)^2 + (s1 - s2)^2``."""
    return frechet_distance(
        np.array([mu1]), np.array([[var1]]), np.array([mu2]), np.array([[var2]])
    )


def clip_augment(video: torch.Tensor, flip: bool, shift: int) -> torch.Tensor:
    """Flip every frame of ``video (C, T, H, W)`` left-right when ``flip``, then roll it ``shift``
    pixels to the right (wrapping around): one transform for the whole clip, so motion is kept."""
    out = video.flip(-1) if flip else video  # (C, T, H, W)
    return torch.roll(out, shifts=shift, dims=-1)  # (C, T, H, W)


def _logits(rng: np.random.Generator, n: int) -> torch.Tensor:
    return torch.as_tensor(rng.normal(0.0, 2.0, size=n), dtype=torch.float64)


@exercise(
    "hinge_losses",
    reference=hinge_losses,
    hint="L_D = mean(relu(1 - real)) + mean(relu(1 + fake)); L_G = -mean(fake); "
    "return both as a tuple (L_D, L_G)",
)
def _hinge_cases(rng):
    yield (torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-2.0, 0.0, 3.0])), {}
    for n, m in ((8, 8), (5, 11), (1, 3)):  # real and fake batches need not be the same size
        yield (_logits(rng, n), _logits(rng, m)), {}


@exercise(
    "frame_change",
    reference=frame_change,
    hint="x[:, :, 1:] - x[:, :, :-1] on (B, C, T, H, W): absolute value, then the mean of all",
)
def _frame_change_cases(rng):
    yield (torch.zeros(2, 1, 4, 8, 8),), {}  # a frozen clip: exactly 0
    for shape in ((1, 1, 2, 4, 4), (3, 1, 6, 8, 8), (2, 3, 5, 4, 6)):
        yield (torch.as_tensor(rng.uniform(-1, 1, size=shape), dtype=torch.float32),), {}


@exercise(
    "ema_update",
    reference=ema_update,
    hint="theta_ema moves a fraction (1 - decay) of the way towards theta: "
    "decay * ema + (1 - decay) * weights",
)
def _ema_cases(rng):
    for shape, decay in (((4,), 0.0), ((3, 5), 0.9), ((2, 2, 2), 0.999), ((6,), 0.5)):
        ema = normal(rng, *shape)
        yield (ema, normal(rng, *shape), decay), {}


@exercise(
    "frechet_1d",
    reference=frechet_1d,
    hint="d^2 = (mu1 - mu2)^2 + var1 + var2 - 2 * sqrt(var1 * var2): "
    "the matrix formula with 1x1 covariances",
    rtol=1e-6,
    atol=1e-9,
)
def _frechet_1d_cases(rng):
    yield (0.0, 1.0, 0.0, 1.0), {}  # the same Gaussian: 0
    yield (0.0, 1.0, 1.0, 4.0), {}  # 1 + (1 - 2)^2 = 2
    for _ in range(4):
        mu1, mu2 = rng.normal(0, 3, size=2)
        var1, var2 = rng.uniform(0.01, 5.0, size=2)
        yield (float(mu1), float(var1), float(mu2), float(var2)), {}


@exercise(
    "clip_augment",
    reference=clip_augment,
    hint="one transform for the whole clip: video.flip(-1) when flip, then "
    "torch.roll(..., shifts=shift, dims=-1) on the width axis",
)
def _clip_augment_cases(rng):
    for flip, shift, shape in (
        (False, 0, (1, 3, 4, 4)),
        (True, 0, (1, 4, 5, 6)),
        (False, 2, (3, 2, 4, 8)),
        (True, -3, (1, 5, 6, 7)),
    ):
        video = torch.as_tensor(rng.uniform(-1, 1, size=shape), dtype=torch.float32)
        yield (video, flip, shift), {}


# The predict and diagnose questions of notebook 04, in the order the notebook asks them.
question(
    "nb04_one_frame_video_d",
    answer="b",
    choices="abcd",
    hint="a discriminator that sees one frame at a time sees the same set of frames whatever "
    "their order; which statistic compares a frame with the next one?",
)
question(
    "nb04_diagnose_report",
    answer="b",
    choices="abcd",
    hint="a static generator has no frame-to-frame change; a diverged run has no finite numbers; "
    "what do few predicted classes and a low class entropy say?",
)
