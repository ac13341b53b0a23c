"""A fixed, finite set of Moving Digits clips: the training set of a private or audited run.

Differential privacy protects the records of a FIXED dataset, so a private run cannot train on
the endless stream that ``MovingDigits`` makes. Here the unit of privacy is explicit: each clip
is one person's video, and it is made from its own handwritten digit (its "source": one of
scikit-learn's 1,797), so that protecting the clip protects the person who wrote the digit. The
sources are a seeded permutation of all digits: the first ``ceil(clips / per_source)`` are the
members' (clip ``i`` shows source ``i // per_source``, moving along its own trajectory), the rest
are held out. Held-out digits make the non-members of a membership-inference audit: clips from the
same distribution that the run never saw.

With ``per_source = k > 1`` a source appears in ``k`` clips, and a guarantee per clip is a
guarantee per source only k-fold weaker (group privacy; see ``privacy.accounting``).

>>> data = FixedDigits(size=16, frames=4, clips=10, seed=0)
>>> len(data), tuple(data.members.video.shape), data.sources.shape[0]
(10, (10, 1, 4, 16, 16), 10)
>>> bool((data.sources[:, None] != data.held_out[None, :]).all())  # no digit in both
True
"""

from __future__ import annotations

import math

import torch

from vidgen_edu.errors import ConfigError

from .bounce import random_trajectories
from .clips import Clips, check_count, pick_generator
from .digits import MovingDigits, digit_templates

SOURCE_SALT = 104_729  # separates the permutation of sources from the trajectories' seed


class FixedDigits:
    """``clips`` one-digit Moving Digits clips, made once, each from its own source digit.

    Args:
        size, frames, digit_size: as in :class:`MovingDigits`.
        clips: how many clips (records) the set holds.
        per_source: clips made from each source digit (1 = one record per person).
        seed: fixes the sources, their trajectories and ``sample(seed=None)``.
    """

    channels = 1
    num_classes = 10
    class_names = MovingDigits.class_names

    def __init__(
        self,
        *,
        size: int = 32,
        frames: int = 16,
        clips: int = 512,
        per_source: int = 1,
        digit_size: int | None = None,
        seed: int = 0,
    ):
        self.motion = MovingDigits(
            size=size, frames=frames, digits=1, digit_size=digit_size, seed=seed
        )
        self.size, self.frames, self.seed = size, frames, seed
        self.per_source = _positive("per_source", per_source)
        self.clips = _positive("clips", clips)
        images, self.all_labels = digit_templates(self.motion.digit_size)
        n_sources = math.ceil(self.clips / self.per_source)
        if n_sources >= len(images):
            raise ConfigError(
                f"clips={clips} with per_source={per_source} needs {n_sources} source digits, "
                f"but only {len(images)} exist and some must stay held out: use fewer clips"
            )
        order = torch.randperm(
            len(images), generator=torch.Generator().manual_seed(seed + SOURCE_SALT)
        )
        self.sources, self.held_out = order[:n_sources], order[n_sources:]
        which = self.sources.repeat_interleave(self.per_source)[: self.clips]
        self.members = self._render(which, generator=torch.Generator().manual_seed(seed))

    def __len__(self) -> int:
        return self.clips

    def __repr__(self) -> str:
        return (
            f"FixedDigits(size={self.size}, frames={self.frames}, clips={self.clips}, "
            f"per_source={self.per_source}, seed={self.seed})"
        )

    def _render(self, which: torch.Tensor, *, generator: torch.Generator) -> Clips:
        """Clips of source digits ``which`` (N,), each on a fresh trajectory from ``generator``."""
        m = self.motion
        positions = random_trajectories(
            len(which),
            1,
            frames=m.frames,
            limit=m.size - m.digit_size,
            speed=m.speed,
            generator=generator,
        )  # (N, T, 1, 2)
        video = m._draw(which[:, None], positions.to(torch.int64), torch.device("cpu"))
        return Clips(video, self.all_labels[which], positions)

    def sample(self, n: int, *, seed: int | None = None, device=None) -> Clips:
        """``n`` members drawn uniformly with replacement (ordinary, non-private training)."""
        g = pick_generator(seed, self.motion._generator)
        idx = torch.randint(self.clips, (check_count(n),), generator=g)
        return self.take(idx, device)

    def poisson(self, rate: float, *, generator: torch.Generator, device=None) -> Clips:
        """Each member independently with probability ``rate`` (DP-SGD's Poisson sampling).

        The batch size is random (it may be 0): that randomness is what subsampling
        amplification (Abadi et al. 2016; Mironov et al. 2019) accounts for.
        """
        keep = torch.rand(self.clips, generator=generator) < rate
        return self.take(keep.nonzero().flatten(), device)

    def take(self, idx: torch.Tensor, device=None) -> Clips:
        """The members at ``idx``, on ``device``."""
        m = self.members
        return Clips(m.video[idx], m.labels[idx], m.positions[idx]).to(device or "cpu")

    def nonmembers(self, n: int, *, seed: int = 1) -> Clips:
        """``n`` clips from held-out digits (never in the set), same distribution of motion."""
        n = check_count(n)
        if n > len(self.held_out):
            raise ConfigError(
                f"only {len(self.held_out)} held-out digits are left for non-members, "
                f"asked for {n}: ask for fewer"
            )
        g = torch.Generator().manual_seed(seed * 7_919 + self.seed)
        pick = self.held_out[torch.randperm(len(self.held_out), generator=g)[:n]]
        return self._render(pick, generator=g)


def _positive(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name}={value!r}: expected a whole number >= 1")
    return value
