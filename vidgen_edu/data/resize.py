"""Bring clips of any frame size to the square ``size x size`` the models expect."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def fit_square(video: torch.Tensor, size: int | None) -> torch.Tensor:
    """Center-crop ``(N, C, T, H, W)`` frames to a square, then resize them to ``size``.

    Cropping (rather than squashing) keeps shapes undistorted; resizing is bilinear with
    antialiasing, so shrinking averages pixels instead of skipping them. ``size=None`` only
    crops. Values keep their range (antialiased bilinear weights are non-negative and sum to 1).
    """
    n, c, t, h, w = video.shape
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    video = video[..., top : top + side, left : left + side]  # (N, C, T, S, S)
    if size is None or size == side:
        return video.contiguous()
    frames = video.permute(0, 2, 1, 3, 4).reshape(n * t, c, side, side)  # (N*T, C, S, S)
    frames = F.interpolate(
        frames, size=(size, size), mode="bilinear", align_corners=False, antialias=True
    )
    return frames.view(n, t, c, size, size).permute(0, 2, 1, 3, 4).contiguous()  # (N, C, T, H, W)
