"""What the course runner watches while a notebook runs: its memory, and which cell is running.

``PeakMemory`` is the peak resident memory of the kernel and its children: a thread samples the
kernel's process tree ten times a second (the sum of their resident sizes) and also reads each
process's own high-water mark (``VmHWM`` in ``/proc/PID/status``, Linux), which the operating
system keeps exactly, so a spike shorter than the sampling interval is not missed.

``CellProgress`` prints each code cell as it starts (its index in the source notebook, counted
from 0 as in error messages, and its first line) and, every ``HEARTBEAT_S`` seconds, that a long
cell is still running, so a course run never sits silent. papermill reports cell starts and ends
to it through ``course_engine()``, its nbclient engine with two hooks added.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import psutil

HEARTBEAT_S = 10.0  # a cell running this long gets a "still running" line, and again after each


class PeakMemory:
    """Peak resident memory of one process and its descendants (the kernel and what it starts).

    Use as a context manager around one notebook's execution and set ``pid`` once the kernel has
    started (the runner's kernel manager does); ``peak_mb`` holds the result, in MiB.
    """

    def __init__(self, *, interval_s: float = 0.1):
        self.interval_s = interval_s  # sampling period; 0.1 s = 10 Hz
        self.pid: int | None = None  # the process to watch; None until the kernel has started
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_stopped, daemon=True)

    @property
    def peak_mb(self) -> float:
        return self.peak_bytes / 2**20

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample_until_stopped(self) -> None:
        while True:
            if self.pid is not None:
                self._sample(self.pid)
            if self._stop.wait(self.interval_s):
                return

    def _sample(self, pid: int) -> None:
        """One sample: the sum of the tree's current sizes, and each process's own peak."""
        try:
            root = psutil.Process(pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return  # the kernel has ended
        total = 0
        for process in tree:
            try:
                total += process.memory_info().rss
                self.peak_bytes = max(self.peak_bytes, _high_water_mark(process.pid))
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue  # it ended between listing and reading
        self.peak_bytes = max(self.peak_bytes, total)


def _high_water_mark(pid: int) -> int:
    """The peak resident size the Linux kernel recorded for ``pid`` (0 where unavailable)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024  # the value is in kB
    except OSError:
        pass
    return 0


def injected_at(source: Path) -> int | None:
    """Where papermill inserts its parameters cell in the executed notebook (None: not added).

    It goes right after the cell tagged ``parameters`` (at the top when there is none), unless the
    source already holds an ``injected-parameters`` cell, which papermill replaces in place.
    """
    try:
        import nbformat

        tags = [c.metadata.get("tags", []) for c in nbformat.read(source, as_version=4).cells]
    except (OSError, ValueError):
        return None
    if any("injected-parameters" in t for t in tags):
        return None
    params = [i for i, t in enumerate(tags) if "parameters" in t]
    return params[-1] + 1 if params else 0


def source_index(executed_index: int, injected: int | None) -> int:
    """The index, in the source notebook, of the executed notebook's cell ``executed_index``."""
    return executed_index - int(injected is not None and executed_index > injected)


class CellProgress:
    """Prints each code cell of one notebook as it starts, then every ``heartbeat_s`` it runs.

    papermill's engine calls ``start(cell, index)`` and ``stop()`` (see ``CourseEngine``); a
    thread prints the "still running" lines. Use as a context manager around the execution.
    """

    def __init__(self, source: Path, *, log=print, heartbeat_s: float = HEARTBEAT_S):
        self.name, self.log, self.heartbeat_s = source.stem, log, heartbeat_s
        self.injected = injected_at(source)
        self.current: tuple[int, float, float] | None = None  # (index, started, last report)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat_until_stopped, daemon=True)

    def __enter__(self) -> CellProgress:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def start(self, cell, index: int) -> None:
        if cell.cell_type != "code":
            return
        first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
        if "injected-parameters" in cell.metadata.get("tags", []):
            label = "parameters injected by papermill"
        else:
            index = source_index(index, self.injected)
            label = f"cell {index}: {_one_line(first, 80)}"
        now = time.monotonic()
        self.current = (index, now, now)
        self._say(f"  {self.name} {label}")

    def stop(self) -> None:
        self.current = None

    def _beat_until_stopped(self) -> None:
        while not self._stop.wait(min(1.0, self.heartbeat_s / 4)):
            current, now = self.current, time.monotonic()
            if current is not None and now - current[2] >= self.heartbeat_s:
                self.current = (current[0], current[1], now)
                self._say(
                    f"  {self.name} cell {current[0]}: still running ({now - current[1]:.0f} s)"
                )

    def _say(self, line: str) -> None:
        self.log(line)
        sys.stdout.flush()


def course_engine() -> str:
    """Register papermill's nbclient engine with ``CellProgress`` hooks; return its name."""
    from papermill.engines import NBClientEngine, papermill_engines

    class CourseEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, *, cell_progress, **kwargs):
            start, complete = nb_man.cell_start, nb_man.cell_complete

            def cell_start(cell, cell_index=None, **kw):
                cell_progress.start(cell, cell_index)
                return start(cell, cell_index, **kw)

            def cell_complete(cell, cell_index=None, **kw):
                cell_progress.stop()
                return complete(cell, cell_index, **kw)

            nb_man.cell_start, nb_man.cell_complete = cell_start, cell_complete
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    papermill_engines.register("vidgen-course", CourseEngine)
    return "vidgen-course"


def _one_line(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
