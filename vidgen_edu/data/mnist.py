"""Moving MNIST, the standard benchmark file, loaded without copying it into memory.

Srivastava, Mansimov & Salakhutdinov, ICML 2015 (arXiv:1502.04681), published
``mnist_test_seq.npy``: 10,000 sequences of 20 frames, 64x64, two MNIST digits bouncing in each,
stored ``uint8`` in the layout ``(T, N, H, W)`` = ``(20, 10000, 64, 64)`` (time first!). The course
never downloads it; if you have the file, point this loader at it. The file is memory-mapped, so
only the sequences you ask for are read.

A clip: ``float32 (1, T, H, W)`` in ``[-1, 1]``. Labels are unknown (``-1``): the file stores no
digit classes.
"""

from __future__ import annotations

import os

import numpy as np
import torch

from vidgen_edu.errors import ConfigError, VideoError

from .clips import Clips, check_count, check_positive, check_seed, pick_generator
from .resize import fit_square

LAYOUT = "uint8 array (T, N, H, W), e.g. mnist_test_seq.npy with shape (20, 10000, 64, 64)"


def open_sequences(path: str | os.PathLike) -> np.ndarray:
    """Memory-map a Moving MNIST file and check its layout; a ``VideoError`` if it is not one."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        where = "is a folder" if os.path.isdir(path) else "does not exist"
        raise VideoError(
            f"no Moving MNIST file at {path!r} (it {where}; working directory "
            f"{os.getcwd()!r}): expected a .npy file holding a {LAYOUT}; check the "
            "path, or use the synthetic 'moving-digits' dataset instead"
        )
    try:
        data = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as err:
        reason = " ".join(str(err).split())[:200]
        raise VideoError(
            f"{path!r} is not a readable .npy file ({reason}): expected a "
            f"{LAYOUT}; re-create or re-download it"
        ) from None
    if not isinstance(data, np.ndarray):  # a .npz archive loads as a dict-like NpzFile
        raise VideoError(
            f"{path!r} is a .npz archive, not a .npy array: expected a {LAYOUT}; "
            "save the array alone with np.save"
        )
    if data.ndim != 4 or data.dtype != np.uint8:
        raise VideoError(
            f"{path!r} holds a {data.dtype} array of shape {data.shape}: expected a {LAYOUT}"
        )
    if min(data.shape) == 0:
        raise VideoError(
            f"{path!r} holds an empty array of shape {data.shape}: expected a {LAYOUT}"
        )
    return data


class MovingMNIST:
    """The sequences of a Moving MNIST ``.npy`` file as a dataset of clips.

    Args:
        path: the ``.npy`` file, layout ``(T, N, H, W)`` uint8.
        frames: keep the first ``frames`` frames of each sequence (``None``: all of them).
        size: resize frames to ``size x size`` (``None``: keep the file's size, cropped square).
        seed: seeds the dataset's own generator, used by ``sample(seed=None)``.

    ``len(ds)`` is the number of sequences; ``ds[i]`` is one clip ``(1, T, H, W)``.
    """

    channels = 1
    num_classes = 0  # the file has no labels
    class_names = ()

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        frames: int | None = None,
        size: int | None = None,
        seed: int = 0,
    ):
        self.path = os.fspath(path)
        self._data = open_sequences(self.path)
        total, _, h, w = self._data.shape
        if frames is not None and not 1 <= check_positive("frames", frames) <= total:
            raise ConfigError(
                f"frames={frames!r} but {self.path!r} has {total} frames per "
                f"sequence: pass 1 <= frames <= {total} or None"
            )
        self.frames = total if frames is None else frames
        self.size = min(h, w) if size is None else check_positive("size", size)
        self._resize_to = size
        self._generator = torch.Generator().manual_seed(check_seed(seed))

    def __len__(self) -> int:
        return self._data.shape[1]

    def __repr__(self) -> str:
        return (
            f"MovingMNIST({self.path!r}, frames={self.frames}, size={self.size}), {len(self)} clips"
        )

    def __getitem__(self, index: int) -> torch.Tensor:
        """Sequence ``index`` as ``float32 (1, T, H, W)`` in ``[-1, 1]``."""
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"index {index} out of range for {n} sequences")
        return self._load(np.array([index % n]))[0]

    def _load(self, indices: np.ndarray) -> torch.Tensor:
        """Sequences ``indices`` as ``float32 (N, 1, T, H, W)`` in ``[-1, 1]``."""
        order = np.argsort(indices)  # read the memory map in file order
        raw = self._data[: self.frames, indices[order]]  # (T, N, H, W) uint8
        video = torch.from_numpy(np.ascontiguousarray(raw)).permute(1, 0, 2, 3)  # (N, T, H, W)
        video = video[:, None].float().div_(127.5).sub_(1.0)  # (N, C, T, H, W)
        video = video[torch.from_numpy(np.argsort(order))]  # back to the requested order
        return fit_square(video, self._resize_to)

    def sample(
        self, n: int, *, seed: int | None = None, device: str | torch.device | None = None
    ) -> Clips:
        """``n`` random sequences (without replacement when ``n <= len``); labels ``-1``."""
        indices = sample_indices(check_count(n), len(self), pick_generator(seed, self._generator))
        video = self._load(indices.numpy()).to(device or "cpu")
        return Clips(video, torch.full((n,), -1, dtype=torch.int64, device=video.device), None)


def sample_indices(n: int, total: int, generator: torch.Generator) -> torch.Tensor:
    """``n`` indices below ``total``: distinct when ``n <= total``, else drawn with replacement."""
    if n <= total:
        return torch.randperm(total, generator=generator)[:n]
    return torch.randint(total, (n,), generator=generator)
