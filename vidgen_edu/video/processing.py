"""The seed's pre- and post-processing of frames: denoise, contrast, crop, resize, adjust.

Every function takes and returns ``uint8 (T, H, W, C)`` numpy frames and works in numpy or
torch (no OpenCV). They are the "preprocessing" and "postprocessing" stages of the seed's
five-stage pipeline (section 2.3), written so that each formula can be read in one place.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .errors import VideoError
from .tensors import as_frames

DENOISE_METHODS = ("median", "gaussian")


def denoise(
    frames, *, method: str = "median", size: int = 3, sigma: float = 1.0, temporal: bool = False
) -> np.ndarray:
    """Remove noise with a median or a Gaussian filter over space (and time, if ``temporal``).

    ``median``: each pixel becomes the median of its ``size`` x ``size`` neighbourhood (x
    ``size`` frames when ``temporal``), which removes salt-and-pepper noise and keeps edges.
    ``gaussian``: a weighted mean with weights ``exp(-d^2 / (2 sigma^2))`` (window of
    ``2 ceil(3 sigma) + 1`` pixels), which suits Gaussian sensor noise. Borders repeat the
    edge pixel. ``temporal`` filters across neighbouring frames too: stronger on a static
    scene, a smear on a moving one.
    """
    frames = as_frames(frames)
    if method not in DENOISE_METHODS:
        raise VideoError(f"unknown denoise method {method!r}: use one of {DENOISE_METHODS}")
    axes = (0, 1, 2) if temporal else (1, 2)  # T, H, W
    x = frames.astype(np.float32)
    if method == "median":
        if int(size) < 1 or int(size) % 2 == 0:
            raise VideoError(f"median size must be an odd number >= 1, got {size}")
        r = int(size) // 2
        pad = [(r, r) if a in axes else (0, 0) for a in range(4)]
        windows = np.lib.stride_tricks.sliding_window_view(
            np.pad(x, pad, mode="edge"), (int(size),) * len(axes), axis=axes
        )
        out = np.median(windows.reshape(*frames.shape, -1), axis=-1)  # (T, H, W, C)
    else:
        if not sigma > 0:
            raise VideoError(f"gaussian sigma must be > 0, got {sigma}")
        r = int(np.ceil(3 * sigma))
        g = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
        out = x
        for a in axes:  # the Gaussian is separable: one 1-D pass per axis
            pad = [(r, r) if b == a else (0, 0) for b in range(4)]
            windows = np.lib.stride_tricks.sliding_window_view(
                np.pad(out, pad, mode="edge"), 2 * r + 1, axis=a
            )
            out = windows @ (g / g.sum()).astype(np.float32)
    return _to_uint8(out)


def enhance_contrast(frames) -> np.ndarray:
    """Histogram equalization of the luma, with one mapping for the whole clip.

    The BT.601 luma ``Y`` of every pixel of every frame is mapped through the clip's cumulative
    histogram, ``Y' = 255 (cdf(Y) - cdf_min) / (N - cdf_min)``, which spreads the used grey
    levels over 0..255 (Gonzalez & Woods, Digital Image Processing, section 3.3). One mapping
    for the clip avoids the flicker that equalizing each frame alone causes. Colour is kept by
    scaling R, G and B by ``Y' / Y``; grayscale frames are equalized directly.
    """
    frames = as_frames(frames)
    x = frames.astype(np.float32)
    y = x[..., 0] if x.shape[-1] == 1 else x @ np.array([0.299, 0.587, 0.114], np.float32)
    levels = np.clip(np.rint(y), 0, 255).astype(np.uint8)  # (T, H, W)
    cdf = np.cumsum(np.bincount(levels.ravel(), minlength=256)).astype(np.float64)
    cdf_min = cdf[cdf > 0][0]
    if cdf[-1] == cdf_min:  # a single grey level: nothing to spread
        return frames.copy()
    lut = np.clip(np.rint(255 * (cdf - cdf_min) / (cdf[-1] - cdf_min)), 0, 255)
    y_new = lut[levels]
    if x.shape[-1] == 1:
        return _to_uint8(y_new[..., None])
    gain = y_new / np.maximum(y, 1e-3)
    return _to_uint8(x * gain[..., None])


def crop(frames, box) -> np.ndarray:
    """Cut the region ``box = (top, left, height, width)`` out of every frame."""
    frames = as_frames(frames)
    _, h, w, _ = frames.shape
    try:
        top, left, bh, bw = (int(v) for v in box)
    except (TypeError, ValueError):
        raise VideoError(f"box must be (top, left, height, width), got {box!r}") from None
    if top < 0 or left < 0 or bh < 1 or bw < 1 or top + bh > h or left + bw > w:
        raise VideoError(
            f"box (top, left, height, width) = {box} does not fit in frames of "
            f"{h}x{w} (HxW): keep it inside the frame"
        )
    return frames[:, top : top + bh, left : left + bw].copy()  # (T, bh, bw, C)


def resize(frames, size) -> np.ndarray:
    """Resize every frame to ``size = (height, width)`` (or an int for a square).

    Bilinear interpolation; when shrinking, the image is low-pass filtered first
    (``antialias=True``) so that fine detail does not alias into moire patterns.
    """
    frames = as_frames(frames)
    h, w = (size, size) if isinstance(size, int) else tuple(int(s) for s in size)
    if h < 1 or w < 1:
        raise VideoError(f"size must be (height, width) with both >= 1, got {size!r}")
    x = torch.from_numpy(frames).permute(0, 3, 1, 2).float()  # (T, C, H, W)
    y = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False, antialias=True)
    return _to_uint8(y.permute(0, 2, 3, 1).numpy())  # (T, h, w, C)


def adjust(
    frames, *, brightness: float = 0.0, contrast: float = 1.0, gamma: float = 1.0
) -> np.ndarray:
    """Gamma, then contrast, then brightness, on values scaled to [0, 1]::

        y = clip((x ** gamma - 0.5) * contrast + 0.5 + brightness, 0, 1)

    ``gamma`` < 1 brightens the shadows, > 1 darkens them; ``contrast`` stretches around mid
    grey; ``brightness`` shifts by a fraction of full scale (-1..1). The defaults are identity.
    """
    frames = as_frames(frames)
    if not gamma > 0:
        raise VideoError(f"gamma must be > 0, got {gamma}")
    x = frames.astype(np.float64) / 255.0
    y = (x**gamma - 0.5) * contrast + 0.5 + brightness
    return _to_uint8(np.clip(y, 0.0, 1.0) * 255.0)


def _to_uint8(x: np.ndarray) -> np.ndarray:
    """Round and clip float frames back to uint8."""
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)
