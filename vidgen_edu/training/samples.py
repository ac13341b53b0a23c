"""Saving generated clips: a grid video (.mp4/.gif/.webm) or the raw uint8 array (.npy)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import torch

from vidgen_edu.video.tensors import tensor_to_frames

VIDEO_EXTS = (".mp4", ".gif", ".webm")
EXTS = (*VIDEO_EXTS, ".npy")


def tile(frames: np.ndarray, *, ncols: int | None = None, gap: int = 1) -> np.ndarray:
    """Clips ``uint8 (N, T, H, W, C)`` -> one video ``(T, H', W', C)``: the N clips in a grid."""
    n, t, h, w, c = frames.shape
    ncols = ncols or math.ceil(math.sqrt(n))
    nrows = math.ceil(n / ncols)
    grid = np.zeros((t, nrows * (h + gap) - gap, ncols * (w + gap) - gap, c), np.uint8)
    for i in range(n):
        y, x = (i // ncols) * (h + gap), (i % ncols) * (w + gap)
        grid[:, y : y + h, x : x + w] = frames[i]
    return grid  # (T, H', W', C)


def check_extension(path: str | os.PathLike) -> str:
    """The lower-case extension of ``path``, or ValueError naming the ones that work."""
    ext = Path(path).suffix.lower()
    if ext not in EXTS:
        raise ValueError(f"cannot save clips as {str(path)!r}: use one of {', '.join(EXTS)}")
    return ext


def save_clips(
    path: str | os.PathLike, video: torch.Tensor, *, fps: int = 8, ncols: int | None = None
) -> Path:
    """Save clips (B, C, T, H, W) in [-1, 1]: ``.npy`` keeps ``uint8 (N, T, H, W, C)``; a video
    file shows the N clips tiled in a grid. Without ``vidgen_edu.video.write_video`` (not
    installed yet) a video path falls back to ``.npy`` beside it. Returns the path written."""
    path = Path(path)
    ext = check_extension(path)
    frames = tensor_to_frames(video.float().cpu())  # (N, T, H, W, C)
    if ext != ".npy":
        try:
            from vidgen_edu.video import write_video
        except ImportError:
            path, ext = path.with_suffix(".npy"), ".npy"
    if ext == ".npy":
        tmp = path.with_name(f".{path.name}.tmp.npy")
        np.save(tmp, frames)
        os.replace(tmp, path)
        return path
    write_video(path, tile(frames, ncols=ncols), fps=fps)
    return path


def sample_grid_labels(n: int, num_classes: int) -> torch.Tensor | None:
    """Labels 0, 1, 2, ... (cycling) for a sample grid of a conditional model; None otherwise."""
    return torch.arange(n) % num_classes if num_classes else None
