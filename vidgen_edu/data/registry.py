"""Datasets by name, as the command line and the notebooks spell them.

``"moving-digits"``, ``"bouncing-shapes"``, ``"moving-mnist:PATH"`` (a ``.npy`` file) and
``"clips:DIR"`` (a folder of videos).
"""

from __future__ import annotations

from .digits import MovingDigits
from .files import VideoClips
from .mnist import MovingMNIST
from .shapes import BouncingShapes

NAMES = ("moving-digits", "bouncing-shapes", "moving-mnist:PATH", "clips:DIR")


def make_dataset(name: str, *, size: int | None = 64, frames: int | None = 16, seed: int = 0,
                 **kw):
    """The dataset called ``name``, with frames ``size x size`` and clips of ``frames`` frames.

    Extra keywords go to the dataset's constructor (e.g. ``digits=1``, ``stride=4``).
    For ``moving-mnist:PATH``, ``None`` keeps the file's own frame count or size; the synthetic
    sets and ``clips:DIR`` use their defaults for ``None``.

    >>> make_dataset("moving-digits", size=32, frames=8).sample(1, seed=0).video.shape
    torch.Size([1, 1, 8, 32, 32])
    """
    if not isinstance(name, str):
        raise ValueError(f"dataset name must be a string, got {name!r}: one of {', '.join(NAMES)}")
    kind, sep, arg = name.partition(":")
    shape = {k: v for k, v in (("size", size), ("frames", frames)) if v is not None}
    if kind == "moving-mnist" and sep and arg:
        return MovingMNIST(arg, size=size, frames=frames, seed=seed, **kw)
    if kind == "clips" and sep and arg:
        return VideoClips(arg, seed=seed, **shape, **kw)
    if name == "moving-digits":
        return MovingDigits(seed=seed, **shape, **kw)
    if name == "bouncing-shapes":
        return BouncingShapes(seed=seed, **shape, **kw)
    if kind in ("moving-mnist", "clips"):
        raise ValueError(f"dataset {name!r} needs a path after the colon: "
                         f"{'moving-mnist:PATH/mnist_test_seq.npy' if kind == 'moving-mnist' else 'clips:DIR'}")
    raise ValueError(f"unknown dataset {name!r}: expected one of {', '.join(NAMES)}")
