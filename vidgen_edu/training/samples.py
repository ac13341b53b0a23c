"""Saving generated clips: a grid video (.mp4/.gif/.webm) or the raw uint8 array (.npy).

Both are written through ``vidgen_edu.files.atomic_path``. A ``.npy`` of many clips is written
batch by batch into a memory-mapped file (``save_npy_batches``), so the number of clips is
bounded by the disk, not by memory.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import torch

from vidgen_edu.errors import UsageError
from vidgen_edu.files import atomic_path
from vidgen_edu.video import write_video
from vidgen_edu.video.tensors import tensor_to_frames, tile_clips

VIDEO_EXTS = (".mp4", ".gif", ".webm")
EXTS = (*VIDEO_EXTS, ".npy")
MAX_GRID = 256  # clips in one grid video; more is unreadable on screen: save a .npy


def check_extension(path: str | os.PathLike) -> str:
    """The lower-case extension of ``path``, or a UsageError naming the ones that work."""
    ext = Path(path).suffix.lower()
    if ext not in EXTS:
        raise UsageError(f"cannot save clips as {str(path)!r}: use one of {', '.join(EXTS)}")
    return ext


def grid_columns(n: int) -> int:
    """Columns for ``n`` tiles: the divisor of ``n`` nearest sqrt(n) with rows <= columns, so
    the grid has no empty tile (8 -> 4 x 2, 9 -> 3 x 3, 7 -> 7 x 1)."""
    wide = [d for d in range(1, n + 1) if n % d == 0 and d * d >= n]
    return min(wide, key=lambda d: d - math.sqrt(n))


def save_clips(
    path: str | os.PathLike, video: torch.Tensor, *, fps: int = 8, ncols: int | None = None
) -> Path:
    """Save clips (B, C, T, H, W) in [-1, 1]: ``.npy`` keeps ``uint8 (N, T, H, W, C)``; a video
    file shows the N clips tiled in a grid (``ncols`` per row, default ``grid_columns``).
    Returns the path written."""
    path = Path(path)
    if check_extension(path) == ".npy":
        return save_npy_batches(path, [video], n=len(video))
    if len(video) > MAX_GRID:
        raise UsageError(
            f"{len(video)} clips are too many for one grid video (at most "
            f"{MAX_GRID}): write a .npy file instead"
        )
    frames = tensor_to_frames(video.float().cpu())  # (N, T, H, W, C)
    ncols = ncols or grid_columns(len(frames))
    write_video(path, tile_clips(frames, ncols=ncols), fps=fps)  # (T, H', W', C)
    return path


def save_npy_batches(path: str | os.PathLike, batches: Iterable[torch.Tensor], *, n: int) -> Path:
    """Write ``n`` clips arriving in batches (B, C, T, H, W) to ``path`` as uint8 (N, T, H, W, C)."""
    path, start, out = Path(path), 0, None
    with atomic_path(path, suffix=".npy") as tmp:
        for video in batches:
            frames = tensor_to_frames(video.float().cpu())  # (B, T, H, W, C)
            if out is None:
                out = np.lib.format.open_memmap(
                    tmp, mode="w+", dtype=np.uint8, shape=(n, *frames.shape[1:])
                )
            out[start : start + len(frames)] = frames
            start += len(frames)
        assert out is not None and start == n, (start, n)
        out.flush()
        del out  # close the map before the file is renamed
    return path


def sample_grid_labels(n: int, num_classes: int) -> torch.Tensor | None:
    """Labels 0, 1, 2, ... (cycling) for a sample grid of a conditional model; None otherwise."""
    return torch.arange(n) % num_classes if num_classes else None
