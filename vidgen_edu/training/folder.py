"""A run folder: what it may hold, its lock, and its log.

A run folder holds ``last.pt`` (the newest checkpoint, always complete), ``config.json`` (the
resolved ``RunConfig``), ``metrics.jsonl`` (one JSON line per log step) and ``samples/``. While a
run writes to it the folder is locked (``filelock``, an operating-system lock released even when
the process is killed), so a second run into the same folder stops at once and says which process
holds it. Only files a run writes itself are ever removed: a fresh run refuses a folder holding
anything else, and the leftovers of a killed run (temporary files, the log of a run that never
saved a checkpoint) are cleared and named.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path

from filelock import FileLock, Timeout

from vidgen_edu.errors import RunFolderError

LOCK, OWNER = ".lock", ".owner"  # the lock file, and the process that holds it
RUN_FILES = {"last.pt", "config.json", "metrics.jsonl", "samples", LOCK, OWNER}
# the temporary names of vidgen_edu.files.atomic_path: ".NAME.XXXXXXXX.tmp[.ext]"
TEMPORARY = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp(\.\w+)?$")


def prepare(run_dir: Path) -> Path:
    """Create ``run_dir`` (and ``samples/``) or say in one line why it cannot be used."""
    if run_dir.exists() and not run_dir.is_dir():
        raise RunFolderError(f"{run_dir} is a file: a run needs a folder; choose another out")
    try:
        (run_dir / "samples").mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RunFolderError(
            f"cannot create the run folder {run_dir}: {err.strerror}; "
            "choose a folder you can write to"
        ) from err
    if not os.access(run_dir, os.W_OK):
        raise RunFolderError(
            f"cannot write into {run_dir} (read-only or no permission): choose another folder"
        )
    return run_dir


@contextlib.contextmanager
def locked(run_dir: Path):
    """Hold the run folder's lock for the duration of the block, or refuse naming the holder."""
    lock = FileLock(str(run_dir / LOCK), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise RunFolderError(
            f"{run_dir} is in use by another run ({holder(run_dir)}): wait for "
            "it to finish, stop it, or choose another folder"
        ) from None
    try:
        (run_dir / OWNER).write_text(f"{os.getpid()}\n")
        yield
    finally:
        (run_dir / OWNER).unlink(missing_ok=True)
        lock.release()


def holder(run_dir: Path) -> str:
    """'process 1234' from the owner file, as far as it can be read."""
    try:
        return f"process {int((run_dir / OWNER).read_text())}"
    except (OSError, ValueError):
        return "a process that has just started or is stopping"


def remove_temporaries(run_dir: Path) -> list[Path]:
    """Delete what a killed write left behind (our temporary names only); return them."""
    found = [
        p
        for folder in (run_dir, run_dir / "samples")
        if folder.is_dir()
        for p in folder.iterdir()
        if TEMPORARY.match(p.name) and p.is_file()
    ]
    for path in found:
        path.unlink(missing_ok=True)
    return found


def check_fresh(run_dir: Path) -> list[Path]:
    """Before a new run: refuse a folder that holds a run or foreign files; return stale files.

    Stale files are the log, config and samples of an earlier run that was stopped before its
    first checkpoint: nothing can resume them, and the new run replaces them.
    """
    if (run_dir / "last.pt").exists():
        raise RunFolderError(
            f"{run_dir} already holds a run ({run_dir / 'last.pt'}): resume it "
            "(--resume, or resume=True) or choose another folder"
        )
    foreign = sorted(
        p.name
        for p in run_dir.iterdir()
        if (p.name not in RUN_FILES and not TEMPORARY.match(p.name)) or not written_by_a_run(p)
    )
    samples = run_dir / "samples"
    if samples.is_dir():
        foreign += [
            f"samples/{p.name}"
            for p in samples.iterdir()
            if not re.match(r"^step_\d+\.\w+$", p.name) and not TEMPORARY.match(p.name)
        ]
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise RunFolderError(
            f"{run_dir} holds files that are not a vidgen-edu run ({shown}): "
            "choose an empty or new folder"
        )
    return [p for p in (run_dir / "metrics.jsonl", run_dir / "config.json") if p.exists()] + (
        sorted(samples.iterdir()) if samples.is_dir() else []
    )


def written_by_a_run(path: Path) -> bool:
    """Whether ``config.json`` / ``metrics.jsonl`` are a run's (a user's file of that name is not)."""
    if path.name not in ("config.json", "metrics.jsonl") or not path.is_file():
        return True
    text = ""
    try:
        text = path.read_text(errors="replace")
        first = json.loads(text if path.name == "config.json" else text.splitlines()[0])
    except (OSError, ValueError, IndexError):
        return path.name == "metrics.jsonl" and not text.strip()  # an empty log is harmless
    if path.name == "config.json":
        return isinstance(first, dict) and {"model", "train", "data"} <= set(first)
    return isinstance(first, dict) and "step" in first


def read_log(run_dir: Path) -> tuple[list[dict], int]:
    """The records of ``metrics.jsonl`` and the number of torn (unreadable) lines dropped."""
    path = run_dir / "metrics.jsonl"
    if not path.exists():
        return [], 0
    records, torn = [], 0
    for line in path.read_text(errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            torn += 1
    return records, torn


def trim_log(run_dir: Path, step: int) -> str | None:
    """Keep the log lines up to the checkpoint's ``step``; drop later and torn ones.

    Lines after the checkpoint were logged by a process killed before its next checkpoint: the
    resumed run logs those steps again. A torn line is what a power loss or a full disk leaves.
    Returns one line that says what was dropped, or None.
    """
    from vidgen_edu.files import write_text_atomic

    records, torn = read_log(run_dir)
    kept = [r for r in records if isinstance(r, dict) and r.get("step", 0) <= step]
    dropped = len(records) - len(kept)
    if not (torn or dropped):
        return None
    write_text_atomic(run_dir / "metrics.jsonl", "".join(json.dumps(r) + "\n" for r in kept))
    parts = [f"{torn} unreadable (torn) line(s)"] if torn else []
    parts += [f"{dropped} line(s) logged after step {step}"] if dropped else []
    return (
        f"metrics.jsonl: dropped {' and '.join(parts)}; the resumed run continues from step {step}"
    )


def log_line(run_dir: Path, record: dict) -> None:
    """Append one record to ``metrics.jsonl`` and flush it to the operating system."""
    with open(run_dir / "metrics.jsonl", "a") as f:
        f.write(json.dumps(record) + "\n")
