"""Moving Digits: handwritten digits bouncing in a black frame, made on the fly, offline.

The digits are scikit-learn's bundled ``load_digits`` (1,797 handwritten digits, 8x8 pixels,
values 0..16, classes 0..9; UCI "Optical Recognition of Handwritten Digits"), so nothing is
downloaded. Each is upscaled bilinearly to ``digit_size`` pixels and moves as in Moving MNIST
(Srivastava et al. 2015, see :mod:`vidgen_edu.data.bounce`): random start, random direction,
speed uniform in a range, bouncing off the walls. Where digits overlap the brighter pixel wins
(``combine="max"``) or the intensities add and saturate (``combine="sum"``).

A clip: ``float32 (1, T, H, W)`` in ``[-1, 1]``, background ``-1``, digit strokes up to ``+1``.
Its label is the class of its FIRST digit (the others are random too, but not reported).
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F

from vidgen_edu.errors import ConfigError

from .bounce import check_speed, random_trajectories
from .clips import Clips, check_count, check_positive, check_seed, pick_generator
from .sprites import paste_add, paste_max

MNIST_RATIO = 28 / 64  # digit side / frame side in Moving MNIST


@functools.lru_cache(maxsize=8)
def digit_templates(digit_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """All 1,797 scikit-learn digits as ``float32 (N, d, d)`` in ``[0, 1]``, and their labels.

    Bilinear upscaling of the 8x8 images (values 0..16 scaled to 0..1). Cached per size.
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    images = torch.tensor(data.images, dtype=torch.float32)[:, None] / 16.0  # (N, 1, 8, 8)
    big = F.interpolate(
        images, size=(digit_size, digit_size), mode="bilinear", align_corners=False
    )  # (N, 1, d, d)
    return big[:, 0].clamp_(0.0, 1.0).contiguous(), torch.tensor(data.target, dtype=torch.int64)


class MovingDigits:
    """Bouncing handwritten digits, generated in torch without a loop over clips or frames.

    Args:
        size: frame side H = W in pixels.
        frames: clip length T.
        digits: digits per clip (K).
        digit_size: digit side in pixels; ``None`` scales Moving MNIST's 28/64 to ``size``
            (28 at 64, 14 at 32).
        speed: ``(low, high)`` pixels per frame; each digit's speed is uniform in it.
        combine: ``"max"`` (overlaps keep the brighter pixel) or ``"sum"`` (add, then clip).
        seed: seeds the dataset's own generator, used by ``sample(seed=None)``.

    >>> clips = MovingDigits(size=32, frames=4).sample(2, seed=0)
    >>> tuple(clips.video.shape), tuple(clips.positions.shape)
    ((2, 1, 4, 32, 32), (2, 4, 2, 2))
    """

    channels = 1
    num_classes = 10
    class_names = tuple(str(i) for i in range(10))

    def __init__(
        self,
        *,
        size: int = 64,
        frames: int = 16,
        digits: int = 2,
        digit_size: int | None = None,
        speed: tuple[float, float] = (2.0, 6.0),
        combine: str = "max",
        seed: int = 0,
    ):
        self.size = check_positive("size", size, minimum=2)
        self.frames = check_positive("frames", frames)
        self.digits = check_positive("digits", digits)
        if digit_size is None:
            digit_size = max(2, round(size * MNIST_RATIO))
        self.digit_size = check_positive("digit_size", digit_size, minimum=2)
        if digit_size > size:
            raise ConfigError(
                f"digit_size={digit_size} is larger than the frame size={size}: "
                "pass a digit_size <= size"
            )
        self.speed = check_speed(speed)
        if combine not in ("max", "sum"):
            raise ConfigError(
                f"combine must be 'max' or 'sum', got {combine!r}: e.g. combine='max'"
            )
        self.combine = combine
        self.seed = check_seed(seed)
        self._generator = torch.Generator().manual_seed(seed)
        self._cache: dict[str, torch.Tensor] = {}

    def __repr__(self) -> str:
        return (
            f"MovingDigits(size={self.size}, frames={self.frames}, digits={self.digits}, "
            f"digit_size={self.digit_size}, speed={self.speed}, seed={self.seed})"
        )

    def _templates(self, device: torch.device) -> torch.Tensor:
        """The upscaled digits on ``device``, scaled for pasting onto a canvas of -1.

        ``max``: ``2 t - 1`` in [-1, 1] (max with the -1 background is the digit itself);
        ``sum``: ``2 t`` in [0, 2] (added to -1, then clipped at 1).
        """
        key = str(device)
        if key not in self._cache:
            images, _ = digit_templates(self.digit_size)
            images = images * 2 - 1 if self.combine == "max" else images * 2
            self._cache[key] = images.to(device)
        return self._cache[key]

    def sample(
        self, n: int, *, seed: int | None = None, device: str | torch.device | None = None
    ) -> Clips:
        """``n`` clips; ``seed=int`` is deterministic, ``None`` advances the own generator.

        Random choices are drawn on the CPU; the frames are drawn on ``device``.
        """
        n = check_count(n)
        g = pick_generator(seed, self._generator)
        device = torch.device(device or "cpu")
        images, labels = digit_templates(self.digit_size)
        which = torch.randint(len(images), (n, self.digits), generator=g)  # (B, K)
        positions = random_trajectories(
            n,
            self.digits,
            frames=self.frames,
            limit=self.size - self.digit_size,
            speed=self.speed,
            generator=g,
        )  # (B, T, K, 2)
        video = self._draw(which.to(device), positions.to(device, torch.int64), device)
        return Clips(video, labels[which[:, 0]].to(device), positions.to(device))

    def _draw(
        self, which: torch.Tensor, positions: torch.Tensor, device: torch.device
    ) -> torch.Tensor:
        """Paste digits ``which`` (B, K) at ``positions`` (B, T, K, 2) -> ``(B, 1, T, H, W)``."""
        templates = self._templates(device)
        b = which.shape[0]
        video = torch.full(
            (b, 1, self.frames, self.size, self.size), -1.0, device=device
        )  # (B, C, T, H, W)
        patches = templates[which][:, None]  # (B, C=1, K, d, d)
        if self.combine == "max":
            paste_max(video, patches, positions, blank=True)
        else:
            paste_add(video, patches, positions)
            video.clamp_(max=1.0)
        return video
