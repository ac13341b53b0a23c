"""Saving generated clips: a grid video (.mp4/.gif/.webm) or the raw uint8 array (.npy)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import torch

from vidgen_edu.video import write_video
from vidgen_edu.video.tensors import tensor_to_frames, tile_clips

VIDEO_EXTS = (".mp4", ".gif", ".webm")
EXTS = (*VIDEO_EXTS, ".npy")


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
    file shows the N clips tiled in a grid (``ncols`` per row, default about square). Returns the
    path written."""
    path = Path(path)
    ext = check_extension(path)
    frames = tensor_to_frames(video.float().cpu())  # (N, T, H, W, C)
    if ext == ".npy":
        tmp = path.with_name(f".{path.name}.tmp.npy")
        np.save(tmp, frames)
        os.replace(tmp, path)
        return path
    ncols = ncols or math.ceil(math.sqrt(len(frames)))
    write_video(path, tile_clips(frames, ncols=ncols), fps=fps)  # (T, H', W', C)
    return path


def sample_grid_labels(n: int, num_classes: int) -> torch.Tensor | None:
    """Labels 0, 1, 2, ... (cycling) for a sample grid of a conditional model; None otherwise."""
    return torch.arange(n) % num_classes if num_classes else None
