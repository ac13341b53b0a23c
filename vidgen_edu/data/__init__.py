"""Datasets of short clips, all returning :class:`Clips` in the model layout.

- :class:`MovingDigits`: handwritten digits (scikit-learn's bundled set) bouncing in a frame.
- :class:`BouncingShapes`: coloured squares, circles and triangles bouncing in a frame.
- :class:`MovingMNIST`: the standard ``mnist_test_seq.npy`` file, if you have it.
- :class:`VideoClips`: fixed-length clips cut from a folder of your own videos.
- :func:`make_dataset`: any of these by name (``"moving-digits"``, ``"clips:DIR"``, ...).

Every dataset has ``channels``, ``frames``, ``size``, ``num_classes`` (0 when unlabelled),
``class_names`` and ``sample(n, *, seed=None, device=None) -> Clips``.
"""

from .clips import Clips
from .digits import MovingDigits
from .files import VideoClips
from .mnist import MovingMNIST
from .registry import NAMES, make_dataset
from .shapes import BouncingShapes

__all__ = [
    "NAMES",
    "BouncingShapes",
    "Clips",
    "MovingDigits",
    "MovingMNIST",
    "VideoClips",
    "make_dataset",
]
