"""Pasting small square patches ("sprites") into a batch of videos, without loops.

Every synthetic clip is a black canvas with K objects pasted at their positions in each frame.
Looping over clips and frames in Python is slow. Instead, :func:`windows` views the canvas as
every ``p x p`` window it contains: a strided view, no copy, in which window ``s`` is the patch
of pixels whose top-left corner is the flat element ``s``. For frame ``t`` of channel ``c`` of
clip ``b`` and an object with top-left corner ``(y, x)`` that window starts at

    s = ((b C + c) T + t) H W + y W + x,

so pasting one object into every frame of every clip is a single indexing operation with one
index per frame (``B C T`` of them), rather than one per pixel. Windows of different frames
never share memory; positions must keep each patch inside its frame (``0 <= y, x <= H - p``),
which the bouncing trajectories guarantee. All functions work in place, on the canvas's device.
"""

from __future__ import annotations

import torch


def windows(canvas: torch.Tensor, patch: int) -> torch.Tensor:
    """A view ``(S, p, p)`` of ``canvas`` (contiguous ``(B, C, T, H, W)``): window ``s`` holds
    the ``p x p`` pixels whose top-left corner is flat element ``s``. Writing to it writes to
    the canvas."""
    h, w = canvas.shape[-2:]
    flat = canvas.view(-1)
    starts = flat.numel() - ((patch - 1) * w + patch) + 1  # last window ends at the last pixel
    return flat.as_strided((starts, patch, patch), (1, w, 1))


def window_starts(canvas: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """Flat start ``(B, C, T)`` of the window at ``positions`` ``(B, T, 2)`` (y, x) in each frame."""
    b, c, t, h, w = canvas.shape
    frame = torch.arange(b * c * t, device=canvas.device).view(b, c, t) * (h * w)  # (B, C, T)
    corner = positions[..., 0] * w + positions[..., 1]  # (B, T)
    return frame + corner[:, None]  # (B, C, T)


def paste_max(
    canvas: torch.Tensor, patches: torch.Tensor, positions: torch.Tensor, *, blank: bool = False
) -> None:
    """``canvas = max(canvas, patch)`` under each object's patch (overlaps stay visible).

    ``blank=True`` promises that the canvas holds only background no brighter than any patch
    value (e.g. all -1), so the first object is written without reading the canvas first.

    Args:
        canvas: ``(B, C, T, H, W)`` contiguous, modified in place.
        patches: ``(B, C, K, p, p)``, each object's patch, the same in every frame of a clip.
        positions: ``(B, T, K, 2)`` integer top-left ``(y, x)``.

    >>> canvas = torch.zeros(1, 1, 2, 3, 3)  # (B, C, T, H, W)
    >>> corners = torch.tensor([[[[0, 0]], [[1, 1]]]])  # (B, T, K, 2): frame 1 at (1, 1)
    >>> paste_max(canvas, torch.ones(1, 1, 1, 2, 2), corners)
    >>> canvas[0, 0, 1].tolist()
    [[0.0, 0.0, 0.0], [0.0, 1.0, 1.0], [0.0, 1.0, 1.0]]
    """
    view = windows(canvas, patches.shape[-1])
    for k in range(patches.shape[2]):
        start = window_starts(canvas, positions[:, :, k])  # (B, C, T)
        patch = patches[:, :, k, None]  # (B, C, 1, p, p), broadcast over T
        view[start] = patch if blank and k == 0 else torch.maximum(view[start], patch)


def paste_add(canvas: torch.Tensor, patches: torch.Tensor, positions: torch.Tensor) -> None:
    """``canvas += patch`` under each object's patch (the caller clips the sum). Same shapes as
    :func:`paste_max`."""
    view = windows(canvas, patches.shape[-1])
    for k in range(patches.shape[2]):
        start = window_starts(canvas, positions[:, :, k])  # (B, C, T)
        view[start] = view[start] + patches[:, :, k, None]  # (B, C, T, p, p)


def paste_over(
    canvas: torch.Tensor, alpha: torch.Tensor, colour: torch.Tensor, positions: torch.Tensor
) -> None:
    """Alpha-composite one flat-coloured object: ``canvas += alpha (colour - canvas)``.

    The "over" operator (Porter & Duff, 1984) with a shape's coverage as alpha, so an object
    pasted later hides one pasted earlier, and edges are anti-aliased.

    Args:
        canvas: ``(B, C, T, H, W)`` contiguous, modified in place.
        alpha: ``(B, p, p)`` coverage in ``[0, 1]``.
        colour: ``(B, C)`` in the canvas's value range.
        positions: ``(B, T, 2)`` integer top-left ``(y, x)``.
    """
    b, c = colour.shape
    view = windows(canvas, alpha.shape[-1])
    start = window_starts(canvas, positions)  # (B, C, T)
    old = view[start]  # (B, C, T, p, p)
    view[start] = old.add_(alpha[:, None, None] * (colour.view(b, c, 1, 1, 1) - old))
