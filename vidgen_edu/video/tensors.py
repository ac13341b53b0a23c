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
