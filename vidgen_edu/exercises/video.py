"""Exercises of notebooks 00 (the pipeline) and 01 (video as data).

Each reference below is the formula the notebook states; the cases include the traps a first
attempt falls into (uint8 arithmetic that wraps around, integer division, odd frame sizes).
The questions (predict, diagnose) are registered at the end, with the two "mystery" objects the
diagnose questions show: their code is the answer, so the notebooks import them from here.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from vidgen_edu.pipeline.dynamic_texture import DynamicTexture, FramePCA, spectral_radius

from .core import exercise, question


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


# --------------------------------------------------------------------------- notebook 00


def _invert(frames: np.ndarray) -> np.ndarray:
    """Black digits on white: ``255 - x`` for uint8 frames, computed without wrapping around."""
    return (255 - frames.astype(np.int16)).astype(np.uint8)


@exercise(
    "nb00_invert",
    reference=_invert,
    hint="255 - frames; the result must stay uint8 (0..255)",
)
def _invert_cases(rng):
    yield (np.arange(256, dtype=np.uint8).reshape(1, 1, 256, 1),), {}
    for _ in range(6):
        yield (_random_frames(rng),), {}


def _stage_values(n: int, t: int, h: int, w: int, c: int, k: int) -> tuple[int, int]:
    """Values the Features stage takes (``N*T*H*W*C``) and gives (``N*T*k``: k per frame)."""
    return n * t * h * w * c, n * t * k


@exercise(
    "nb00_stage_values",
    reference=_stage_values,
    hint="the input holds one value per pixel, channel and frame of every clip; "
    "the features hold k values per frame of every clip",
)
def _stage_values_cases(rng):
    yield (24, 16, 32, 32, 1, 12), {}
    for _ in range(8):
        n, t, h, w = (int(v) for v in rng.integers(1, 70, size=4))
        yield (n, t, h, w, int(rng.choice([1, 3])), int(rng.integers(1, 50))), {}


def _dt_parameters(p: int, k: int) -> int:
    """Numbers a dynamic texture stores: mean frame ``p``, basis ``C`` (p x k), ``A`` and ``B``
    (k x k each): ``p (k + 1) + 2 k^2`` (Doretto et al., IJCV 2003, without the noise scalar)."""
    return p * (k + 1) + 2 * k * k


@exercise(
    "nb00_dt_parameters",
    reference=_dt_parameters,
    hint="count the mean frame (p), the basis C (p x k), A (k x k) and B (k x k)",
)
def _dt_parameters_cases(rng):
    yield (1024, 12), {}
    for _ in range(8):
        yield (int(rng.integers(16, 5000)), int(rng.integers(1, 64))), {}


question(
    "nb00_k_sharpness",
    answer="c",
    choices="abcd",
    hint="k components add k blobs per frame; which details of a frame are the LAST "
    "components, with the smallest variance, about?",
)
question(
    "nb00_exploding_texture",
    answer="c",
    choices="abcd",
    hint="the frames change from one to the next; what happens to x[t] = a^t x[0] when |a| > 1?",
)


def mystery_texture(pca: FramePCA, states: torch.Tensor, *, radius: float = 1.15):
    """The dynamic texture of notebook 00's diagnose question: fitted on ``states (B, T, k)``,
    then its ``A`` scaled to spectral radius ``radius`` (above 1: the states grow every step)."""
    model = DynamicTexture(k=pca.k, max_radius=None).fit_states(pca, states)
    model.a = model.a * (radius / spectral_radius(model.a))
    return model


# --------------------------------------------------------------------------- notebook 01


def _yuv420_nbytes(t: int, h: int, w: int) -> int:
    """Bytes of ``t`` raw 8-bit yuv420p frames: a full-size luma plane and two chroma planes
    halved in both directions, rounded up: ``t (h w + 2 ceil(h/2) ceil(w/2))``."""
    return t * (h * w + 2 * math.ceil(h / 2) * math.ceil(w / 2))


@exercise(
    "nb01_yuv420_nbytes",
    reference=_yuv420_nbytes,
    hint="luma: h*w bytes; each of the two chroma planes: ceil(h/2)*ceil(w/2) bytes "
    "(an odd side still needs its last half-size row or column); times t frames",
)
def _yuv420_cases(rng):
    yield (32, 144, 192), {}
    yield (8, 17, 33), {}  # odd sides: rounding up matters
    for _ in range(8):
        yield (int(rng.integers(1, 50)), int(rng.integers(1, 300)), int(rng.integers(1, 300))), {}


question(
    "nb01_h265_vs_h264",
    answer="c",
    choices="abcd",
    hint="the published saving comes from tools (bigger, more flexible blocks) that need large "
    "frames to pay off, and every file carries a fixed cost; how big are our frames?",
)
question(
    "nb01_layout_bug",
    answer="c",
    choices="abcd",
    hint="count the copies of the clip in one displayed frame, and look at their colours",
)


def mystery_frames(video: torch.Tensor) -> np.ndarray:
    """Notebook 01's diagnose picture: one clip ``(C, T, H, W)`` in [-1, 1] to uint8 frames,
    with a layout bug (its name is the answer to the question)."""
    c, t, h, w = video.shape
    u8 = ((video + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)  # (C, T, H, W)
    return u8.reshape(t, h, w, c).numpy()  # the bug: reshape keeps the memory order
