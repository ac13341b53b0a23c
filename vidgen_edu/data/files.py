"""Clips cut from a folder of your own video files.

Every video in the folder (and its subfolders) with a known extension is probed for its frame
count and cut into windows of ``frames`` consecutive frames, ``stride`` frames apart
(``stride=None``: windows do not overlap). Frames are center-cropped to a square and resized to
``size`` (see :func:`vidgen_edu.data.resize.fit_square`). A file that cannot be read or is
shorter than one clip is skipped, with the reason kept in ``skipped`` and a warning.

A clip: ``float32 (3, T, H, W)`` RGB in ``[-1, 1]``; labels are unknown (``-1``).
Each file is decoded whole, once, and kept (resized, as uint8) in a small cache, so cut long or
high-resolution recordings into short files first.
"""

from __future__ import annotations

import os
import warnings
from collections import OrderedDict
from pathlib import Path

import torch

from vidgen_edu.errors import VideoError

from ..video.io import probe, read_video
from .clips import Clips, check_count, check_positive, check_seed, pick_generator
from .mnist import sample_indices
from .resize import fit_square

VIDEO_EXTENSIONS = (".mp4", ".webm", ".gif", ".avi", ".mkv", ".mov")


def find_videos(folder: str | os.PathLike) -> list[Path]:
    """Video files under ``folder`` (recursively, sorted), or a clear error if there are none."""
    root = Path(folder)
    if not root.is_dir():
        what = "a file, not a folder" if root.exists() else "missing"
        raise VideoError(
            f"no folder at {str(root)!r} (it is {what}; working directory "
            f"{os.getcwd()!r}): expected a folder of video files "
            f"({', '.join(VIDEO_EXTENSIONS)}); check the path"
        )
    found = sorted(
        p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_EXTENSIONS
    )
    if not found:
        raise VideoError(
            f"{str(root)!r} holds no video file: put {', '.join(VIDEO_EXTENSIONS)} files in it"
        )
    return found


class VideoClips:
    """Fixed-length, square clips from a folder of videos.

    Args:
        folder: the folder to search (recursively).
        frames: clip length T.
        size: frame side H = W after center-cropping and resizing.
        stride: frames between the starts of consecutive clips of one file (``None``: ``frames``).
        seed: seeds the dataset's own generator, used by ``sample(seed=None)``.
        cache_files: how many decoded files to keep in memory.

    ``len(ds)`` is the number of clips; ``ds[i]`` is clip ``i`` as ``(3, T, H, W)``;
    ``ds.clips[i]`` says which file and start frame it comes from.
    """

    channels = 3
    num_classes = 0  # no labels
    class_names = ()

    def __init__(
        self,
        folder: str | os.PathLike,
        *,
        frames: int = 16,
        size: int = 64,
        stride: int | None = None,
        seed: int = 0,
        cache_files: int = 4,
    ):
        self.frames = check_positive("frames", frames)
        self.size = check_positive("size", size)
        self.stride = check_positive("stride", frames if stride is None else stride)
        self.cache_files = check_positive("cache_files", cache_files)
        self.folder = os.fspath(folder)
        self.files = find_videos(folder)
        self.skipped: list[tuple[str, str]] = []  # (file, why it was left out)
        self.clips: list[tuple[Path, int]] = []  # (file, first frame) per clip
        for path in self.files:
            self._index(path)
        if not self.clips:
            reasons = "; ".join(f"{Path(p).name}: {why}" for p, why in self.skipped[:3])
            raise VideoError(
                f"no usable clip of {frames} frames in {self.folder!r} ({reasons}): "
                "add longer or readable videos, or ask for fewer frames"
            )
        self._cache: OrderedDict[Path, torch.Tensor] = OrderedDict()
        self._generator = torch.Generator().manual_seed(check_seed(seed))

    def _index(self, path: Path) -> None:
        """Add the clips of one file to ``self.clips``, or record why it has none."""
        try:
            count = probe(path).frames
        except VideoError as err:
            self._skip(path, str(err))
            return
        if count < self.frames:
            self._skip(path, f"{count} frames, fewer than one clip of {self.frames}")
            return
        self.clips += [(path, s) for s in range(0, count - self.frames + 1, self.stride)]

    def _skip(self, path: Path, why: str) -> None:
        self.skipped.append((str(path), why))
        warnings.warn(f"VideoClips skips {path}: {why}", stacklevel=3)

    def __len__(self) -> int:
        return len(self.clips)

    def __repr__(self) -> str:
        return (
            f"VideoClips({self.folder!r}, frames={self.frames}, size={self.size}, "
            f"stride={self.stride}): {len(self)} clips from {len(self.files)} files"
        )

    def __getitem__(self, index: int) -> torch.Tensor:
        """Clip ``index`` as ``float32 (3, T, H, W)`` in ``[-1, 1]``."""
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"index {index} out of range for {n} clips")
        path, start = self.clips[index % n]
        video = self._decoded(path)  # (C, T_file, H, W) uint8
        available = video.shape[1]
        if available < self.frames:
            raise VideoError(
                f"{path} decoded to {available} frames, fewer than its header's "
                f"count and than one clip of {self.frames}: re-encode the file"
            )
        start = min(start, available - self.frames)  # the header may overcount by a frame
        clip = video[:, start : start + self.frames]  # (C, T, H, W)
        return clip.float().div_(127.5).sub_(1.0)

    def _decoded(self, path: Path) -> torch.Tensor:
        """The whole file, cropped and resized, as ``uint8 (C, T, H, W)``; cached."""
        if path in self._cache:
            self._cache.move_to_end(path)
            return self._cache[path]
        frames = torch.from_numpy(read_video(path).copy())  # (T, H, W, C) uint8
        video = frames.permute(3, 0, 1, 2)[None].float()  # (1, C, T, H, W)
        video = fit_square(video, self.size)[0].round_().clamp_(0, 255).to(torch.uint8)
        self._cache[path] = video  # (C, T, H, W)
        if len(self._cache) > self.cache_files:
            self._cache.popitem(last=False)
        return video

    def sample(
        self, n: int, *, seed: int | None = None, device: str | torch.device | None = None
    ) -> Clips:
        """``n`` random clips (without replacement when ``n <= len``); labels ``-1``."""
        indices = sample_indices(check_count(n), len(self), pick_generator(seed, self._generator))
        video = torch.stack([self[int(i)] for i in indices]).to(device or "cpu")  # (B, C, T, H, W)
        return Clips(video, torch.full((n,), -1, dtype=torch.int64, device=video.device), None)
