"""Output folders the course builds write into: which files they own, and which folders they refuse.

``vidgen-edu course`` and ``vidgen-edu student`` write into a folder the user names (``--out``).
They must never destroy the course's sources or a learner's work, so:

- a build refuses a folder that is, contains or lies inside the notebooks folder it reads
  (``--out notebooks`` once deleted ``notebooks/00_overview.ipynb``);
- each build keeps a manifest in its folder (``.vidgen-course.json``, ``.vidgen-student.json``):
  every file it wrote, relative to the folder, with the sha256 of what it wrote where that matters.
  A rerun deletes or replaces only files listed there; anything else in the folder is left alone.

The manifest is written atomically (``vidgen_edu.files``), and a path is recorded *before* the file
is written, so an interrupted build never leaves a file it wrote unrecorded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from vidgen_edu.errors import RunFolderError
from vidgen_edu.files import write_text_atomic

COURSE_NOTEBOOK = re.compile(r"^\d\d_.*\.ipynb$")  # NN_topic.ipynb, as the runner lists them


def sha256_of(data: bytes) -> str:
    """The sha256 of ``data`` as hex, as the manifest stores it."""
    return hashlib.sha256(data).hexdigest()


class Manifest:
    """The files a build wrote into ``folder``: ``{relative POSIX path: sha256 or None}``.

    ``None`` marks a file whose content is not tracked (an executed notebook, a video), only owned.
    """

    def __init__(self, folder: Path, name: str):
        self.folder = Path(folder)
        self.path = self.folder / name
        self.files: dict[str, str | None] = self._load()

    def _load(self) -> dict[str, str | None]:
        if not self.path.exists():
            return {}
        try:
            files = json.loads(self.path.read_text(encoding="utf-8"))["files"]
            assert isinstance(files, dict)
        except (OSError, ValueError, KeyError, TypeError, AssertionError):
            raise RunFolderError(
                f"{self.path} is not a manifest vidgen-edu can read (it lists the files a build "
                "wrote): delete the folder, or choose another --out"
            ) from None
        return files

    def owns(self, rel: str) -> bool:
        return rel in self.files

    def record(self, rel: str, sha: str | None = None, *, save: bool = True) -> None:
        """Add ``rel`` (with the sha256 of its content, if tracked) and save the manifest."""
        self.files[rel] = sha
        if save:
            self.save()

    def forget(self, rel: str) -> None:
        self.files.pop(rel, None)

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"files": dict(sorted(self.files.items()))}, indent=1)
        write_text_atomic(self.path, text + "\n")

    def remove_owned(self, prefix: str) -> None:
        """Delete every owned file equal to ``prefix`` or under the folder ``prefix/``.

        Folders left empty by this (below ``prefix``) are removed; the manifest is saved.
        """
        doomed = [
            rel for rel in self.files if rel == prefix or rel.startswith(prefix.rstrip("/") + "/")
        ]
        for rel in doomed:
            (self.folder / rel).unlink(missing_ok=True)
            self.forget(rel)
            _remove_empty_parents(self.folder / rel, stop=self.folder)
        self.save()


def _remove_empty_parents(path: Path, *, stop: Path) -> None:
    """Remove the folders above ``path`` that are empty, up to (not including) ``stop``."""
    for parent in path.parents:
        if parent == stop or stop not in parent.parents:
            return
        try:
            parent.rmdir()
        except OSError:
            return  # not empty (or gone): leave it and everything above it


def file_stamps(folder: Path) -> dict[Path, tuple[int, int]]:
    """{file: (mtime in ns, size)} of every file under ``folder``."""
    stamps = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            try:
                stat = path.stat()
            except OSError:
                continue
            stamps[path] = (stat.st_mtime_ns, stat.st_size)
    return stamps


def record_new_files(manifest: Manifest, folder: Path, before: dict) -> None:
    """Record the files under ``folder`` that are new or changed since the ``before`` stamps."""
    for path, stamp in file_stamps(folder).items():
        if before.get(path) != stamp:
            manifest.record(path.relative_to(manifest.folder).as_posix(), save=False)
    manifest.save()


def refuse_notebooks_folder(
    out: Path, notebooks_dir: Path, *, example: str = "build/course"
) -> None:
    """RunFolderError if ``out`` is, contains or lies inside ``notebooks_dir``.

    ``example`` is the folder the message suggests instead.
    """
    out, notebooks_dir = Path(out).resolve(), Path(notebooks_dir).resolve()
    if out == notebooks_dir or notebooks_dir in out.parents:
        where = "is" if out == notebooks_dir else "lies inside"
    elif out in notebooks_dir.parents:
        where = "contains"
    else:
        return
    raise RunFolderError(
        f"--out {out} {where} the notebooks folder {notebooks_dir}, where a build could replace or "
        f"delete the course's notebooks: choose a folder outside it, e.g. --out {example}"
    )


def refuse_foreign_files(out: Path, manifest: Manifest, targets: list[str] = ()) -> None:
    """RunFolderError if ``out`` holds, or lies in a folder holding, notebooks it did not write.

    Inside ``out`` every ``*.ipynb`` counts (at any depth; hidden ones such as JupyterLab's
    ``.ipynb_checkpoints`` aside) unless the manifest owns it, and so does any existing file among
    ``targets`` (the files the build is about to replace). Above ``out`` only course notebooks
    (``NN_*.ipynb``) count, so that a stray ``Untitled.ipynb`` in a home folder does not block
    every build below it.
    """
    out = Path(out).resolve()
    existing = [rel for rel in targets if (out / rel).is_file()]
    foreign = sorted({rel for rel in [*_notebooks_under(out), *existing] if not manifest.owns(rel)})
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise RunFolderError(
            f"--out {out} holds files that vidgen-edu did not write ({shown}; it keeps a record "
            f"in {manifest.path.name}) and will not replace them: choose a new or empty folder "
            "for --out, or move those files away"
        )
    for parent in out.parents:
        if parent.parent == parent or parent == Path.home():
            break
        sources = sorted(p.name for p in _safe_iterdir(parent) if COURSE_NOTEBOOK.match(p.name))
        if sources:
            raise RunFolderError(
                f"--out {out} lies inside {parent}, which holds course notebooks ({sources[0]}, "
                "...): choose a folder outside it, e.g. build/course in the repository"
            )


def _notebooks_under(folder: Path) -> list[str]:
    """Every ``*.ipynb`` under ``folder`` (hidden files and folders aside), relative to it."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.endswith(".ipynb") and not name.startswith("."):
                found.append((Path(root) / name).relative_to(folder).as_posix())
    return found


def _safe_iterdir(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []  # a folder we may not list cannot hold notebooks we would write over
