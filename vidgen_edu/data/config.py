"""The data a run trains on, as one typed configuration saved in every checkpoint.

``DataConfig(name="moving-digits", size=32, frames=16, digits=1)`` describes the clips; ``make``
builds the dataset. Each dataset's own options are fields too (``digits`` for Moving Digits,
``shapes`` for Bouncing Shapes, ``stride`` for clips cut from files): one flat, strict record,
so that ``--set data.digits=1`` works like any other setting.

>>> DataConfig(size=16, frames=8, digits=1).make(seed=0).sample(2, seed=0).video.shape
torch.Size([2, 1, 8, 16, 16])
"""

from __future__ import annotations

from dataclasses import dataclass

from vidgen_edu.config import StrictConfig

KINDS = ("moving-digits", "bouncing-shapes", "moving-mnist", "clips")
SPELLINGS = "moving-digits, bouncing-shapes, moving-mnist:PATH or clips:DIR"


@dataclass
class DataConfig(StrictConfig):
    """Named defaults of the training data; each field says its unit or range."""

    section = "data"

    name: str = "moving-digits"  # moving-digits | bouncing-shapes | moving-mnist:PATH | clips:DIR
    size: int = 32  # frame height = width in pixels
    frames: int = 16  # clip length T in frames, >= 2
    digits: int = 2  # moving-digits: digits per clip (1 = one class per clip)
    digit_size: int = 0  # moving-digits: digit height in px; 0 = Moving MNIST's 28/64 of the frame
    shapes: int = 2  # bouncing-shapes: shapes per clip
    stride: int = 0  # clips:DIR: frames between clip starts; 0 = the clip length (no overlap)
    clips: int = 0  # moving-digits: a fixed set of this many clips (fixed.py); 0 = endless stream
    per_source: int = 1  # fixed set: clips made from each source digit (1 = one per person)

    @property
    def kind(self) -> str:
        return self.name.partition(":")[0]

    def problems(self) -> list[str]:
        found = []
        kind, sep, arg = self.name.partition(":")
        if kind not in KINDS or (kind in ("moving-mnist", "clips")) != bool(sep and arg):
            found.append(f"name={self.name!r}: expected {SPELLINGS}")
        if self.size < 4:
            found.append(f"size={self.size}: expected at least 4 pixels")
        if self.frames < 2:
            found.append(f"frames={self.frames}: a video needs at least 2 frames")
        for key in ("digits", "shapes"):
            if getattr(self, key) < 1:
                found.append(f"{key}={getattr(self, key)}: expected at least 1")
        if self.clips and (self.kind != "moving-digits" or self.digits != 1):
            found.append(
                f"clips={self.clips}: a fixed set is made of one-digit Moving Digits clips: "
                "set data.name=moving-digits and data.digits=1"
            )
        if self.per_source < 1:
            found.append(f"per_source={self.per_source}: expected at least 1")
        for key in ("digit_size", "stride", "clips"):
            if getattr(self, key) < 0:
                found.append(f"{key}={getattr(self, key)}: expected 0 (automatic) or more")
        return found

    def dataset_kwargs(self) -> dict:
        """The options of ``make_dataset`` that this dataset takes (0 = its own default)."""
        own = {
            "moving-digits": ("digits", "digit_size"),
            "bouncing-shapes": ("shapes",),
            "clips": ("stride",),
        }.get(self.kind, ())
        return {k: getattr(self, k) for k in own if getattr(self, k)}

    def make(self, *, seed: int = 0):
        """The dataset this configuration describes."""
        from .registry import make_dataset

        if self.clips:
            from .fixed import FixedDigits

            return FixedDigits(
                size=self.size,
                frames=self.frames,
                clips=self.clips,
                per_source=self.per_source,
                digit_size=self.digit_size or None,
                seed=seed,
            )

        return make_dataset(
            self.name, size=self.size, frames=self.frames, seed=seed, **self.dataset_kwargs()
        )

    def traits(self) -> tuple[int, int]:
        """``(channels, num_classes)`` of the dataset, without reading any file."""
        from .digits import MovingDigits
        from .files import VideoClips
        from .mnist import MovingMNIST
        from .shapes import BouncingShapes

        cls = {
            "moving-digits": MovingDigits,
            "bouncing-shapes": BouncingShapes,
            "moving-mnist": MovingMNIST,
            "clips": VideoClips,
        }[self.kind]
        return cls.channels, cls.num_classes

    @classmethod
    def coerce(cls, spec) -> DataConfig:
        """A ``DataConfig`` from itself or from a plain dict (the older ``data_spec``)."""
        return spec if isinstance(spec, cls) else cls.from_dict(dict(spec))
