"""Datasets by name, as the command line and the notebooks spell them.

``"moving-digits"``, ``"bouncing-shapes"``, ``"moving-mnist:PATH"`` (a ``.npy`` file) and
``"clips:DIR"`` (a folder of videos).
"""

from __future__ import annotations

import inspect

from vidgen_edu.errors import ConfigError

from .digits import MovingDigits
from .files import VideoClips
from .mnist import MovingMNIST
from .shapes import BouncingShapes

NAMES = ("moving-digits", "bouncing-shapes", "moving-mnist:PATH", "clips:DIR")


def make_dataset(name: str, *, size: int | None = 64, frames: int | None = 16, seed: int = 0, **kw):
    """The dataset called ``name``, with frames ``size x size`` and clips of ``frames`` frames.

    Extra keywords go to the dataset's constructor (e.g. ``digits=1``, ``stride=4``).
    For ``moving-mnist:PATH``, ``None`` keeps the file's own frame count or size; the synthetic
    sets and ``clips:DIR`` use their defaults for ``None``.

    >>> make_dataset("moving-digits", size=32, frames=8).sample(1, seed=0).video.shape
    torch.Size([1, 1, 8, 32, 32])
    """
    if not isinstance(name, str):
        raise ConfigError(f"dataset name must be a string, got {name!r}: one of {', '.join(NAMES)}")
    kind, sep, arg = name.partition(":")
    shape = {k: v for k, v in (("size", size), ("frames", frames)) if v is not None}
    if kind == "moving-mnist" and sep and arg:
        return _make(MovingMNIST, arg, size=size, frames=frames, seed=seed, **kw)
    if kind == "clips" and sep and arg:
        return _make(VideoClips, arg, seed=seed, **shape, **kw)
    if name == "moving-digits":
        return _make(MovingDigits, seed=seed, **shape, **kw)
    if name == "bouncing-shapes":
        return _make(BouncingShapes, seed=seed, **shape, **kw)
    if kind in ("moving-mnist", "clips"):
        example = "moving-mnist:PATH/mnist_test_seq.npy" if kind == "moving-mnist" else "clips:DIR"
        raise ConfigError(f"dataset {name!r} needs a path after the colon: e.g. {example!r}")
    raise ConfigError(f"unknown dataset {name!r}: expected one of {', '.join(NAMES)}")


def _make(cls, *args, **kw):
    """``cls(*args, **kw)``, after checking that ``cls`` takes every keyword in ``kw``.

    The extra keywords come from the user (``make_dataset(..., digits=1)`` or a run's data
    settings); a misspelt one is their error, not a ``TypeError`` from inside the library.
    """
    accepted = [
        p.name
        for p in inspect.signature(cls).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    unknown = sorted(set(kw) - set(accepted))
    if unknown:
        raise ConfigError(
            f"{cls.__name__} takes no setting {', '.join(map(repr, unknown))}: "
            f"its settings are {', '.join(accepted)}"
        )
    return cls(*args, **kw)
