"""Measure what a codec does to a clip: bitrate, PSNR, SSIM, and where its keyframes are.

Everything here is measured by really encoding with the bundled ffmpeg and decoding again;
PSNR and SSIM are written out in numpy so that the formulas can be read beside the code.
"""

from __future__ import annotations

import numbers
import os
import re
import tempfile
import time

import numpy as np

from .errors import VideoError
from .io import _ffmpeg, _inspect, read_video, write_video
from .tensors import as_frames

# ITU-R BT.601 luma weights, the Y of Y'CbCr that H.264/H.265 encode at full resolution
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])


def psnr(reference, distorted, *, max_value: float = 255.0) -> float:
    """Peak signal-to-noise ratio in dB over all frames, pixels and channels.

    ``PSNR = 10 log10(MAX^2 / MSE)`` with ``MSE = mean((x - y)^2)``; ``inf`` for identical inputs.
    """
    x, y = _pair(reference, distorted)
    mse = float(np.mean((x - y) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(max_value**2 / mse)


def luma(frames) -> np.ndarray:
    """``(T, H, W, C)`` -> float64 ``(T, H, W)`` luma: BT.601 ``Y = 0.299 R + 0.587 G + 0.114 B``."""
    x = np.asarray(frames, dtype=np.float64)
    return x[..., 0] if x.shape[-1] == 1 else x @ LUMA_WEIGHTS


def ssim(
    reference, distorted, *, window: int = 11, sigma: float = 1.5, max_value: float = 255.0
) -> float:
    """Structural similarity (Wang, Bovik, Sheikh, Simoncelli, IEEE TIP 2004), mean over frames.

    Computed on luma (BT.601), as video codec evaluations do, with the paper's settings: a
    Gaussian window of ``window`` x ``window`` pixels and standard deviation ``sigma``,
    ``C1 = (0.01 L)^2``, ``C2 = (0.03 L)^2``, ``L = max_value``, and only windows that fit
    inside the frame ("valid", as in the authors' reference code)::

        SSIM(x, y) = (2 mu_x mu_y + C1)(2 sigma_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(sigma_x^2 + sigma_y^2 + C2))
    """
    x, y = _pair(reference, distorted)
    x, y = luma(x), luma(y)  # (T, H, W)
    if min(x.shape[1:]) < window:
        raise VideoError(
            f"SSIM needs frames of at least {window}x{window} pixels, got "
            f"{x.shape[2]}x{x.shape[1]}: pass a smaller window= or larger frames"
        )
    g = np.exp(-0.5 * ((np.arange(window) - (window - 1) / 2) / sigma) ** 2)
    g /= g.sum()
    blur = lambda a: _filter_valid(_filter_valid(a, g, axis=1), g, axis=2)  # noqa: E731
    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x**2
    var_y = blur(y * y) - mu_y**2
    cov = blur(x * y) - mu_x * mu_y
    c1, c2 = (0.01 * max_value) ** 2, (0.03 * max_value) ** 2
    ssim_map = (
        (2 * mu_x * mu_y + c1) * (2 * cov + c2) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    )
    return float(ssim_map.mean())


def _filter_valid(a: np.ndarray, kernel: np.ndarray, *, axis: int) -> np.ndarray:
    """Correlate ``a`` with a 1-D ``kernel`` along ``axis``, keeping only the valid part."""
    windows = np.lib.stride_tricks.sliding_window_view(a, len(kernel), axis=axis)
    return windows @ kernel


def _pair(reference, distorted) -> tuple[np.ndarray, np.ndarray]:
    """Two videos of the same shape as float64 arrays, or a VideoError saying how they differ."""
    x, y = np.asarray(reference), np.asarray(distorted)
    if x.shape != y.shape:
        raise VideoError(
            f"cannot compare videos of shapes {x.shape} and {y.shape}: crop or "
            "resize one to the other's shape"
        )
    return x.astype(np.float64), y.astype(np.float64)


def rate_distortion(
    frames, *, codecs=("h264", "h265", "av1"), crfs=(20, 30, 40), fps: float = 8, preset=None
) -> list[dict]:
    """Encode ``frames`` with each codec at each crf, decode, and measure size and quality.

    Returns one dict per (codec, crf): ``codec``, ``crf``, ``bytes`` (the whole file, container
    included), ``bitrate_kbps`` (``8 * bytes / duration / 1000``, duration = T / fps),
    ``psnr_db``, ``ssim`` (luma) and ``encode_s`` (wall time of the encode). crf scales differ
    between codecs (0-51 for H.264/H.265, 0-63 for VP9/AV1), so compare at equal bitrate.
    Containers: .mp4, except VP9 in .webm.
    """
    frames = as_frames(frames)
    if frames.shape[-1] == 1:
        frames = np.repeat(frames, 3, axis=-1)  # (T, H, W, 3): decoded video is RGB
    if isinstance(fps, bool) or not isinstance(fps, numbers.Real) or not 0 < fps < float("inf"):
        raise VideoError(f"fps must be a positive number, got {fps!r}: e.g. fps=8")
    duration = len(frames) / fps
    rows = []
    with tempfile.TemporaryDirectory(prefix="vidgen_rd_") as tmp:
        for codec in codecs:
            for crf in crfs:
                path = os.path.join(tmp, f"{codec}_{crf}" + (".webm" if codec == "vp9" else ".mp4"))
                start = time.perf_counter()
                write_video(path, frames, fps=fps, codec=codec, crf=crf, preset=preset)
                seconds = time.perf_counter() - start
                decoded = read_video(path)
                size = os.path.getsize(path)
                rows.append(
                    {
                        "codec": codec,
                        "crf": crf,
                        "bytes": size,
                        "bitrate_kbps": 8 * size / duration / 1000,
                        "psnr_db": psnr(frames, decoded),
                        "ssim": ssim(frames, decoded),
                        "encode_s": seconds,
                    }
                )
    return rows


def frame_types(path) -> list[str]:
    """The picture type of every frame, ``"I"``, ``"P"`` or ``"B"``, in display order.

    ffprobe is not bundled, so the frames are decoded through ffmpeg's ``showinfo`` filter, which
    logs each frame's number, key flag and type.
    """
    head = _inspect(path)
    _, log = _ffmpeg(
        ["-i", head["path"], "-map", "0:v:0", "-vf", "showinfo", "-f", "null", "-"],
        what=f"list the frames of {head['path']!r}",
        level="info",
    )
    found = re.findall(r"\] n:\s*(\d+) .*? iskey:([01]) type:(\w)", log)
    types = {int(n): ("I" if key == "1" else kind) for n, key, kind in found}
    return [types[i] for i in sorted(types)]


def keyframes(path) -> list[int]:
    """Indices of the key (I) frames of a video file: where each group of pictures starts."""
    return [i for i, kind in enumerate(frame_types(path)) if kind == "I"]
