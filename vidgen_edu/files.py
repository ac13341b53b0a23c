"""Writing files so that nothing is ever half-written: one atomic-write helper for the library.

``atomic_path(path)`` yields a unique temporary name in the same folder; the caller (``torch.save``,
ffmpeg, ``np.save``...) writes it; on success the file is flushed to disk (fsync), given the
permissions a new file normally gets (``0o666`` less the user's umask: ``mkstemp`` alone would
leave ``0o600``) and renamed over ``path`` (``os.replace`` is atomic on POSIX); on any failure,
an interrupt included, the temporary file is removed. A reader therefore sees the old file or
the new one, never a torn one, and no ``.tmp`` file is left behind.

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
>>> write_text_atomic(target, "hello")
>>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
('hello', ['note.txt'])
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from vidgen_edu.errors import UsageError


def default_mode() -> int:
    """The permission bits a newly created file gets: ``0o666`` less the process's umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _cannot_write(path: Path, err: OSError) -> UsageError:
    """One line that says why ``path`` cannot be written and what to do."""
    reasons = {
        errno.ENOENT: "its folder does not exist: create it first",
        errno.EACCES: "permission denied: pick a folder you can write to",
        errno.EROFS: "the file system is read-only: pick another folder",
        errno.ENOSPC: "the disk is full: free some space",
        errno.EISDIR: "it is a folder: give a file name",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
    }
    reason = reasons.get(err.errno, f"{err.strerror or err}")
    return UsageError(f"cannot write {path}: {reason}")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success fsync it and rename it over ``path``.

    ``suffix`` ends the temporary name (``".npy"`` for ``np.save``, ``".mp4"`` for ffmpeg, which
    pick a format from it). Errors of the file system become a ``UsageError`` naming ``path``.
    """
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"cannot write {path}: it is a folder; give a file name inside it")
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=f".tmp{suffix}", dir=path.parent
        )
    except OSError as err:
        raise _cannot_write(path, err) from err
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        _fsync(tmp)
        os.chmod(tmp, default_mode())
        os.replace(tmp, path)
    except OSError as err:
        raise _cannot_write(path, err) from err
    finally:
        tmp.unlink(missing_ok=True)  # after a rename this does nothing


def _fsync(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", **kw):
    """``open(path, mode)`` on a temporary file that replaces ``path`` when the block succeeds."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes whole files: mode 'w' or 'wb', got {mode!r}")
    with atomic_path(path) as tmp, open(tmp, mode, **kw) as f:
        yield f


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Replace ``path`` by ``text`` (UTF-8) atomically."""
    with atomic_open(path, "w", encoding="utf-8") as f:
        f.write(text)


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Replace ``path`` by ``data`` atomically."""
    with atomic_open(path, "wb") as f:
        f.write(data)
