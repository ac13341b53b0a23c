"""Exercises of notebook 01 (video as data): memory, PSNR, motion, gamma.

Each reference below is the formula the notebook states; the cases include the traps a first
attempt falls into (uint8 arithmetic that wraps around, integer division, colour channels).
"""

from __future__ import annotations

import math

import numpy as np

from .core import exercise


def _video_nbytes(shape: tuple[int, ...], itemsize: int) -> int:
    """Bytes of an array of ``shape`` with ``itemsize`` bytes per value: ``itemsize * prod(shape)``."""
    return itemsize * math.prod(shape)


def _psnr(reference: np.ndarray, test: np.ndarray) -> float:
    """PSNR in dB of uint8 frames: ``10 log10(255^2 / MSE)``, the MSE over every value."""
    mse = np.mean((reference.astype(np.float64) - test.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / mse))


def _motion_energy(frames: np.ndarray) -> float:
    """Mean absolute difference between consecutive uint8 frames ``(T, H, W, C)``, in 0..255."""
    return float(np.abs(np.diff(frames.astype(np.float64), axis=0)).mean())


def _gamma_correct(frames: np.ndarray, gamma: float) -> np.ndarray:
    """``out = round(255 * (in / 255) ** gamma)`` as uint8: gamma < 1 brightens, > 1 darkens."""
    return np.round(255.0 * (frames / 255.0) ** gamma).astype(np.uint8)


def _random_frames(rng: np.random.Generator) -> np.ndarray:
    shape = (
        int(rng.integers(2, 9)),
        int(rng.integers(1, 17)),
        int(rng.integers(1, 17)),
        int(rng.choice([1, 3])),
    )
    return rng.integers(0, 256, shape, dtype=np.uint8)  # (T, H, W, C)


@exercise(
    "video_nbytes",
    reference=_video_nbytes,
    hint="multiply every dimension together, then by the bytes per value "
    "(1 for uint8, 4 for float32)",
)
def _nbytes_cases(rng):
    yield ((16, 64, 64, 3), 1), {}
    yield ((8, 3, 16, 64, 64), 4), {}
    for _ in range(10):
        shape = tuple(int(v) for v in rng.integers(1, 300, size=int(rng.integers(3, 6))))
        yield (shape, int(rng.choice([1, 2, 4, 8]))), {}


@exercise(
    "psnr",
    reference=_psnr,
    rtol=1e-6,
    hint="convert both to float before subtracting (uint8 wraps around: 3 - 5 = 254), "
    "then 10 * log10(255**2 / mean squared error)",
)
def _psnr_cases(rng):
    for _ in range(10):
        a = _random_frames(rng)
        noise = rng.integers(-40, 41, a.shape)
        b = np.clip(a.astype(int) + noise, 0, 255).astype(np.uint8)
        b.flat[0] = 255 - a.flat[0] if a.flat[0] != 127 else 0  # never identical
        yield (a, b), {}


@exercise(
    "motion_energy",
    reference=_motion_energy,
    rtol=1e-6,
    hint="np.diff along the time axis (axis 0) on float frames, its absolute value, the mean",
)
def _motion_cases(rng):
    still = np.full((4, 8, 8, 1), 200, np.uint8)
    yield (still,), {}
    for _ in range(10):
        yield (_random_frames(rng),), {}


@exercise(
    "gamma_correct",
    reference=_gamma_correct,
    atol=1.0,
    hint="scale to 0..1, raise to the power gamma, scale back by 255, round, cast to uint8",
)
def _gamma_cases(rng):
    ramp = np.arange(256, dtype=np.uint8).reshape(1, 1, 256, 1)
    yield (ramp, 0.5), {}
    yield (ramp, 2.2), {}
    for _ in range(8):
        yield (_random_frames(rng), float(rng.uniform(0.3, 3.0))), {}


def _explained_variance(frames: np.ndarray, k: int) -> float:
    """Share of the variance of the rows of ``frames (N, p)`` kept by the top ``k`` principal
    components: ``sum_{i<=k} s_i^2 / sum_i s_i^2``, ``s`` the singular values of the centred rows."""
    s = np.linalg.svd(frames - frames.mean(axis=0), compute_uv=False)
    return float((s[:k] ** 2).sum() / (s**2).sum())


@exercise(
    "explained_variance",
    reference=_explained_variance,
    rtol=1e-6,
    hint="subtract the mean frame (axis 0) first, then np.linalg.svd(..., compute_uv=False); "
    "the variance along component i is proportional to s_i**2",
)
def _variance_cases(rng):
    for _ in range(8):
        n, p = int(rng.integers(5, 30)), int(rng.integers(4, 50))
        mix = rng.normal(size=(n, 3)) @ rng.normal(size=(3, p)) + 5.0  # a mean far from zero
        frames = mix + 0.1 * rng.normal(size=(n, p))
        yield (frames, int(rng.integers(1, min(n, p)))), {}
