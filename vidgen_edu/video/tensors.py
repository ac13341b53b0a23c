"""Convert between the I/O layout and the model layout of a video.

- At the I/O edge: ``uint8`` numpy arrays ``(T, H, W, C)`` (one clip) or ``(N, T, H, W, C)``.
- Inside models: ``float32`` torch tensors ``(B, C, T, H, W)`` in ``[-1, 1]``.

``x = 2 * u / 255 - 1`` and its inverse ``u = round((x + 1) * 255 / 2)`` (clipped).
"""

from __future__ import annotations

import numpy as np
import torch

from .errors import VideoError


def frames_to_tensor(frames: np.ndarray, device: str | torch.device = "cpu") -> torch.Tensor:
    """``uint8 (T, H, W, C)`` or ``(N, T, H, W, C)`` -> ``float32 (B, C, T, H, W)`` in [-1, 1].

    >>> frames_to_tensor(np.zeros((4, 8, 8, 3), np.uint8)).shape
    torch.Size([1, 3, 4, 8, 8])
    """
    frames = np.asarray(frames)
    if frames.dtype != np.uint8:
        raise VideoError(
            f"expected uint8 frames, got dtype {frames.dtype}: scale to 0..255 and use "
            "frames.astype(np.uint8), or pass a model tensor to tensor_to_frames first"
        )
    if frames.ndim == 4:
        frames = frames[None]
    if frames.ndim != 5:
        raise VideoError(
            f"expected frames of shape (T, H, W, C) or (N, T, H, W, C), got {frames.shape}"
        )
    x = torch.from_numpy(np.ascontiguousarray(frames)).to(device)
    x = x.permute(0, 4, 1, 2, 3)  # (B, C, T, H, W)
    return x.float().div_(127.5).sub_(1.0)


def tensor_to_frames(video: torch.Tensor) -> np.ndarray:
    """``float (B, C, T, H, W)`` or ``(C, T, H, W)`` in [-1, 1] -> ``uint8 (N, T, H, W, C)``.

    A single clip ``(C, T, H, W)`` gives ``(T, H, W, C)``. Values outside [-1, 1] are clipped;
    NaNs are an error.

    >>> tensor_to_frames(torch.zeros(3, 2, 4, 4)).shape
    (2, 4, 4, 3)
    """
    if not isinstance(video, torch.Tensor):
        raise VideoError(f"expected a torch tensor (B, C, T, H, W), got {type(video).__name__}")
    single = video.dim() == 4
    if single:
        video = video[None]
    if video.dim() != 5:
        raise VideoError(
            f"expected a tensor of shape (B, C, T, H, W) or (C, T, H, W), got {tuple(video.shape)}"
        )
    if torch.isnan(video).any():
        raise VideoError("the video tensor contains NaN values: check the model that made it")
    u = ((video.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    frames = u.permute(0, 2, 3, 4, 1).cpu().numpy()  # (N, T, H, W, C)
    return frames[0] if single else frames


def tile_clips(clips: np.ndarray, *, ncols: int | None = None, gap: int = 2) -> np.ndarray:
    """``uint8 (N, T, H, W, C)`` -> one ``uint8 (T, H', W', C)`` clip with the N clips on a grid.

    ``ncols`` clips per row (default: all N side by side); ``gap`` pixels of white between them;
    the slots after the last clip of an incomplete row are black, not white tiles.
    """
    n, t, h, w, c = clips.shape
    ncols = n if ncols is None else max(1, min(int(ncols), n))
    nrows = -(-n // ncols)
    out = np.full((t, nrows * (h + gap) - gap, ncols * (w + gap) - gap, c), 255, np.uint8)
    for slot in range(nrows * ncols):
        r, k = divmod(slot, ncols)
        tile = out[:, r * (h + gap) : r * (h + gap) + h, k * (w + gap) : k * (w + gap) + w]
        tile[:] = clips[slot] if slot < n else 0  # (T, H, W, C); black where no clip is
    return out  # (T, H', W', C)


def as_frames(video, *, ncols: int | None = None) -> np.ndarray:
    """Any video the course hands around -> ``uint8 (T, H, W, C)`` with C in {1, 3}, validated.

    Accepts ``uint8 (T, H, W, C)``; ``uint8 (N, T, H, W, C)`` (tiled with :func:`tile_clips`);
    float numpy arrays in [0, 1] (matplotlib's convention); a model tensor ``(B, C, T, H, W)``
    or ``(C, T, H, W)`` in [-1, 1]. Anything else raises :class:`VideoError` saying what to do.
    """
    if isinstance(video, torch.Tensor):
        video = tensor_to_frames(video)
    video = np.asarray(video)
    if video.dtype.kind == "f":
        video = _float_to_uint8(video)
    elif video.dtype != np.uint8:
        raise VideoError(
            f"expected uint8 frames (or floats in [0, 1]), got dtype {video.dtype}: "
            "convert with np.clip(x, 0, 255).astype(np.uint8)"
        )
    if video.ndim == 5:
        video = tile_clips(video, ncols=ncols)
    if video.ndim != 4 or video.shape[-1] not in (1, 3):
        hint = " (add a channel axis with frames[..., None])" if video.ndim == 3 else ""
        raise VideoError(
            f"expected frames of shape (T, H, W, C) with C = 1 or 3, got {video.shape}{hint}"
        )
    if min(video.shape[:3]) == 0:
        raise VideoError(f"the video has zero frames or an empty frame size: shape {video.shape}")
    return video


def _float_to_uint8(video: np.ndarray) -> np.ndarray:
    """float frames in [0, 1] -> uint8 (rounded); NaN or out-of-range values are an error."""
    if np.isnan(video).any():
        raise VideoError("the frames contain NaN values: check the computation that made them")
    lo, hi = float(video.min(initial=0.0)), float(video.max(initial=0.0))
    if lo < 0.0 or hi > 1.0:
        raise VideoError(
            f"float frames must lie in [0, 1], got values in [{lo:.3g}, {hi:.3g}]: for model "
            "output in [-1, 1] use tensor_to_frames, for 0..255 values use .astype(np.uint8)"
        )
    return np.rint(video * 255.0).astype(np.uint8)
