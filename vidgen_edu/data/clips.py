"""The batch every dataset returns, and the seeding rule they share.

A dataset's ``sample(n, seed=...)`` gives a :class:`Clips`: the videos in the model layout
``float32 (B, C, T, H, W)`` in ``[-1, 1]``, one class label per clip and, for the synthetic sets,
where each object is in every frame (handy for checking motion, or for conditioning on it).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from vidgen_edu.errors import ConfigError, UsageError


@dataclass
class Clips:
    """A batch of clips.

    Attributes:
        video: ``float32 (B, C, T, H, W)`` in ``[-1, 1]`` (``-1`` is black).
        labels: ``int64 (B,)``: class of the first object (digit or shape); ``-1`` when unknown.
        positions: ``float32 (B, T, K, 2)`` top-left ``(y, x)`` of each of the K objects in each
            frame, in whole pixels; ``None`` for data that have no known objects (files, Moving
            MNIST).
    """

    video: torch.Tensor  # (B, C, T, H, W) float32 in [-1, 1]
    labels: torch.Tensor  # (B,) int64, -1 = unknown
    positions: torch.Tensor | None = None  # (B, T, K, 2) (y, x) pixels, or None

    def __len__(self) -> int:
        return self.video.shape[0]

    def to(self, device: str | torch.device) -> Clips:
        """The same clips on ``device``."""
        positions = None if self.positions is None else self.positions.to(device)
        return Clips(self.video.to(device), self.labels.to(device), positions)


def pick_generator(seed: int | None, own: torch.Generator) -> torch.Generator:
    """The CPU generator a ``sample`` call draws from.

    ``seed=None`` uses (and advances) the dataset's own generator, so successive calls differ but
    the whole sequence is fixed by the constructor's seed; an int gives a fresh generator, so the
    same seed always gives the same clips, whatever was sampled before. Random numbers are always
    drawn on the CPU, so that a seed gives the same clips on every device.
    """
    if seed is None:
        return own
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise UsageError(f"seed must be an int or None, got {seed!r}: pass e.g. seed=0")
    return torch.Generator().manual_seed(seed)


def check_count(n: int) -> int:
    """``n`` clips to sample, validated: a positive int."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise UsageError(
            f"n (the number of clips) must be a positive int, got {n!r}: pass e.g. n=8"
        )
    return n


def check_positive(name: str, value: int, *, minimum: int = 1) -> int:
    """A size-like constructor argument, validated: an int >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(
            f"{name} must be an int >= {minimum}, got {value!r}: "
            f"pass a whole number of at least {minimum}"
        )
    return value


def check_seed(seed: int) -> int:
    """A dataset's own seed, validated: an int (``torch.Generator.manual_seed`` takes no other)."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"seed must be an int, got {seed!r}: pass e.g. seed=0")
    return seed
