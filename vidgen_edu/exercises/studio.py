"""Exercises of notebook 07 (the generation studio): ``check("nb07_slerp", fn)`` and so on.

- ``nb07_slerp``: spherical interpolation between two latent codes (White 2016, arXiv:1609.04468).
- ``nb07_lerp_norm``: the root-mean-square norm of ``(1 - a) z1 + a z2`` for independent
  ``z1, z2 ~ N(0, I_d)``: why a straight line between two Gaussian codes is atypical.
- ``nb07_frame_rate``: frame-rate conversion by sample and hold (repeat or drop frames).
- ``nb07_clip_velocity``: a digit's velocity from its ink centroid, as the prompt's search uses it.
- ``nb07_flat_slider`` (diagnose) and ``nb07_more_frames`` (predict): questions.

The references are the library's own functions (``widgets.slerp``, ``widgets.latent.velocity``)
where it has one, and short formulas otherwise.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from vidgen_edu.widgets.latent import slerp, velocity

from .core import exercise, normal, question


def nb07_slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """The studio's slerp: along the great circle from ``a`` (t = 0) to ``b`` (t = 1)."""
    return slerp(a, b, t)


def lerp_norm(d: int, a: float) -> float:
    """sqrt(E ||(1 - a) z1 + a z2||^2) = sqrt(d ((1 - a)^2 + a^2)): the coordinates are
    independent N(0, (1 - a)^2 + a^2), and E ||x||^2 sums their variances."""
    return math.sqrt(d * ((1 - a) ** 2 + a**2))


def change_frame_rate(frames: np.ndarray, fps_in: int, fps_out: int) -> np.ndarray:
    """Resample ``uint8 (T, H, W, C)`` frames from ``fps_in`` to ``fps_out`` by sample and hold.

    The clip keeps its duration T / fps_in: the output has ``T * fps_out // fps_in`` frames, and
    output frame j (shown at time j / fps_out) is the input frame on screen at that time,
    index ``j * fps_in // fps_out``. Integer arithmetic, so no frame is lost to rounding.
    """
    n_out = len(frames) * fps_out // fps_in
    index = np.arange(n_out) * fps_in // fps_out  # (T',) the input frame shown at each output time
    return frames[index]  # (T', H, W, C)


def clip_velocity(clip: np.ndarray) -> tuple[float, float]:
    """The studio's ``velocity``: slopes of a least-squares line through the ink centroid."""
    return velocity(clip)


@exercise(
    "nb07_slerp",
    reference=nb07_slerp,
    hint="flatten both codes; omega = arccos(a.b / (|a| |b|)); return "
    "sin((1 - t) omega) / sin(omega) * a + sin(t omega) / sin(omega) * b, "
    "and the straight-line mix when omega < 1e-6",
)
def _slerp_cases(rng):
    e0, e1 = torch.eye(2, dtype=torch.float64)
    yield (e0, e1, 0.5), {}  # a quarter circle: the midpoint is (1, 1) / sqrt(2)
    v = normal(rng, 7)
    yield (v, v.clone(), 0.3), {}  # the same direction: the straight-line mix
    for shape, t in (((50,), 0.0), ((50,), 0.25), ((16, 10), 0.5), ((3, 4, 5), 1.0)):
        yield (normal(rng, *shape), normal(rng, *shape), t), {}


@exercise(
    "nb07_lerp_norm",
    reference=lerp_norm,
    hint="each coordinate of (1 - a) z1 + a z2 is a sum of two independent Gaussians: add their "
    "variances; E ||x||^2 is the sum of the d coordinates' variances; return its square root",
)
def _lerp_norm_cases(rng):
    for d, a in ((1, 0.0), (50, 0.5), (10, 0.25), (160, 1.0)):
        yield (d, a), {}
    for _ in range(4):
        yield (int(rng.integers(1, 500)), float(rng.uniform())), {}


@exercise(
    "nb07_frame_rate",
    reference=change_frame_rate,
    hint="the output has T * fps_out // fps_in frames; output frame j is input frame "
    "j * fps_in // fps_out (integer division, so the indices never pass T - 1)",
)
def _frame_rate_cases(rng):
    ramp = np.arange(16, dtype=np.uint8)[:, None, None, None] * np.ones((1, 2, 2, 1), np.uint8)
    yield (ramp, 8, 24), {}  # each frame three times
    yield (ramp, 16, 8), {}  # every other frame
    for fps_in, fps_out in ((24, 10), (10, 24), (25, 30), (30, 25)):
        frames = rng.integers(0, 256, size=(int(rng.integers(3, 40)), 4, 4, 3), dtype=np.uint8)
        yield (frames, fps_in, fps_out), {}


def _moving_square(t: int, size: int, step: tuple[int, int]) -> np.ndarray:
    """A 3x3 white square on black moving ``step`` = (dx, dy) pixels per frame: uint8 (T, H, W, 1)."""
    clip = np.zeros((t, size, size, 1), np.uint8)
    for k in range(t):
        x, y = 2 + k * step[0], 2 + k * step[1]
        clip[k, y : y + 3, x : x + 3] = 255
    return clip


@exercise(
    "nb07_clip_velocity",
    reference=clip_velocity,
    hint="grey = mean over the colour channels / 255; per frame x = sum(grey * col) / sum(grey) "
    "and y = sum(grey * row) / sum(grey); the velocity is the slope of np.polyfit(t, x, 1) "
    "(and of y); return (vx, vy)",
    rtol=1e-4,
    atol=1e-4,  # the reference sums in float32
)
def _velocity_cases(rng):
    yield (_moving_square(8, 32, (2, 0)),), {}  # 2 px/frame to the right: (2, 0)
    yield (_moving_square(6, 24, (0, 3)),), {}  # down: (0, 3)
    for _ in range(3):
        t, c = int(rng.integers(2, 12)), int(rng.choice([1, 3]))
        yield (rng.integers(0, 256, size=(t, 16, 16, c), dtype=np.uint8),), {}


question(
    "nb07_flat_slider",
    answer="b",
    choices="abcd",
    hint="separate the two halves of the chain: does the slider change the code (compare "
    "space.codes of two settings), and how much do the frames change for the same step along a "
    "content and along a motion direction?",
)

question(
    "nb07_more_frames",
    answer="b",
    choices="abcd",
    hint="read GanLatentSpace.draw: in what order is the noise of one seed drawn?",
)
