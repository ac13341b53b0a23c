"""Bouncing Shapes: coloured squares, circles and triangles bouncing in a black frame.

A colour counterpart of Moving Digits with the same motion (Srivastava et al. 2015, see
:mod:`vidgen_edu.data.bounce`): each clip holds K shapes of one size, each with its own class
(square, circle or triangle), its own bright colour (random hue, full value) and its own
trajectory. Later shapes are composited over earlier ones; edges are anti-aliased by 4x4
supersampling of the shape's coverage.

A clip: ``float32 (3, T, H, W)`` RGB in ``[-1, 1]``, background ``-1`` (black).
Its label is the class of its FIRST shape: 0 square, 1 circle, 2 triangle.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F

from vidgen_edu.errors import ConfigError

from .bounce import check_speed, random_trajectories
from .clips import Clips, check_count, check_positive, check_seed, pick_generator
from .sprites import paste_over

SHAPES = ("square", "circle", "triangle")
SUPERSAMPLE = 4  # sub-pixels per pixel side for anti-aliased edges


@functools.lru_cache(maxsize=8)
def shape_masks(shape_size: int) -> torch.Tensor:
    """Coverage of each shape, ``float32 (3, s, s)`` in ``[0, 1]``, in the order of SHAPES.

    Each mask is drawn on a grid ``SUPERSAMPLE`` times finer and average-pooled, so a pixel's
    value is the fraction of it the shape covers. The square fills 80% of the side (centred),
    the circle is inscribed, the triangle points up with its base on the bottom edge.
    """
    n = shape_size * SUPERSAMPLE
    c = (torch.arange(n, dtype=torch.float32) + 0.5) / n * 2 - 1  # sub-pixel centres in [-1, 1]
    y, x = c.view(n, 1), c.view(1, n)
    square = (y.abs() <= 0.8) & (x.abs() <= 0.8)
    circle = x * x + y * y <= 1.0
    triangle = (y <= 1.0) & (x.abs() <= (y + 1.0) / 2)  # apex (0, -1), base y = 1
    fine = torch.stack([square, circle, triangle]).float()[:, None]  # (3, 1, n, n)
    return F.avg_pool2d(fine, SUPERSAMPLE)[:, 0].contiguous()  # (3, s, s)


def hue_to_rgb(hue: torch.Tensor, saturation: torch.Tensor) -> torch.Tensor:
    """HSV (value 1) to RGB in ``[0, 1]``: ``(...,)`` -> ``(..., 3)``.

    The standard closed form ``f(n) = V - V S max(0, min(k, 4 - k, 1))`` with
    ``k = (n + 6 H) mod 6`` for ``n = 5, 3, 1`` (R, G, B).
    """
    n = torch.tensor([5.0, 3.0, 1.0])
    k = torch.remainder(n + 6 * hue[..., None], 6)
    return 1 - saturation[..., None] * torch.clamp(torch.minimum(k, 4 - k), 0, 1)


class BouncingShapes:
    """Coloured bouncing shapes, generated in torch without a loop over clips or frames.

    Args:
        size: frame side H = W in pixels.
        frames: clip length T.
        shapes: shapes per clip (K).
        shape_size: shape side in pixels; ``None`` means ``size // 4``.
        speed: ``(low, high)`` pixels per frame; each shape's speed is uniform in it.
        seed: seeds the dataset's own generator, used by ``sample(seed=None)``.

    >>> clips = BouncingShapes(size=32, frames=4).sample(2, seed=0)
    >>> tuple(clips.video.shape)
    (2, 3, 4, 32, 32)
    """

    channels = 3
    num_classes = len(SHAPES)
    class_names = SHAPES

    def __init__(
        self,
        *,
        size: int = 64,
        frames: int = 16,
        shapes: int = 2,
        shape_size: int | None = None,
        speed: tuple[float, float] = (2.0, 6.0),
        seed: int = 0,
    ):
        self.size = check_positive("size", size, minimum=4)
        self.frames = check_positive("frames", frames)
        self.shapes = check_positive("shapes", shapes)
        if shape_size is None:
            shape_size = size // 4
        self.shape_size = check_positive("shape_size", shape_size)
        if shape_size > size:
            raise ConfigError(
                f"shape_size={shape_size} is larger than the frame size={size}: "
                "pass a shape_size <= size"
            )
        self.speed = check_speed(speed)
        self.seed = check_seed(seed)
        self._generator = torch.Generator().manual_seed(seed)

    def __repr__(self) -> str:
        return (
            f"BouncingShapes(size={self.size}, frames={self.frames}, shapes={self.shapes}, "
            f"shape_size={self.shape_size}, speed={self.speed}, seed={self.seed})"
        )

    def sample(
        self, n: int, *, seed: int | None = None, device: str | torch.device | None = None
    ) -> Clips:
        """``n`` clips; ``seed=int`` is deterministic, ``None`` advances the own generator."""
        n = check_count(n)
        g = pick_generator(seed, self._generator)
        device = torch.device(device or "cpu")
        kinds = torch.randint(len(SHAPES), (n, self.shapes), generator=g)  # (B, K)
        hue = torch.rand(n, self.shapes, generator=g)
        saturation = 0.6 + 0.4 * torch.rand(n, self.shapes, generator=g)
        colours = hue_to_rgb(hue, saturation) * 2 - 1  # (B, K, 3) in [-1, 1]
        positions = random_trajectories(
            n,
            self.shapes,
            frames=self.frames,
            limit=self.size - self.shape_size,
            speed=self.speed,
            generator=g,
        )  # (B, T, K, 2)
        masks = shape_masks(self.shape_size).to(device)
        video = torch.full(
            (n, 3, self.frames, self.size, self.size), -1.0, device=device
        )  # (B, C, T, H, W)
        kinds_d, colours_d = kinds.to(device), colours.to(device)
        pos_d = positions.to(device, torch.int64)
        for k in range(self.shapes):
            paste_over(video, masks[kinds_d[:, k]], colours_d[:, k], pos_d[:, :, k])
        return Clips(video, kinds[:, 0].to(device), positions.to(device))
