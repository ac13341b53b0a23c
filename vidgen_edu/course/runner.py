"""Run the course: every ``NN_*.ipynb`` notebook executed in order with papermill.

For each notebook the runner passes the papermill parameters ``profile`` and ``out_dir`` (a folder
of its own, ``OUT/<stem>/``, where the notebook writes the videos the index plays), runs it with the
``python3`` kernel in the notebooks folder, and records its status, wall time and peak memory.
A failing notebook does not stop the others. The executed notebook, its HTML, ``index.html`` and
``report.json`` are written to ``OUT``.

Peak memory is that of the kernel process and its children, measured by ``PeakMemory``: a thread
that samples the kernel's process tree ten times a second (the sum of their resident sizes) and
also reads each process's own high-water mark (``VmHWM`` in ``/proc/PID/status``, Linux), which
the operating system keeps exactly, so a spike shorter than the sampling interval is not missed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from vidgen_edu.cli import UsageError
from vidgen_edu.course.index import COPIES_DIR, browser_copies, find_videos, render_index

NOTEBOOK_PATTERN = re.compile(r"^\d\d_.*\.ipynb$")
KERNEL_NAME = "python3"


@dataclass
class NotebookResult:
    """What happened to one notebook."""

    name: str  # the notebook's stem, e.g. "00_overview"
    status: str  # "ok" or "failed"
    wall_s: float  # seconds from start to end of its execution
    peak_rss_mb: float  # peak resident memory of the kernel and its children, MiB
    error: str | None = None  # for a failed notebook: the failing cell and the exception
    videos: tuple[str, ...] = ()  # the videos it wrote, relative to the course folder
    browser_copies: dict = field(default_factory=dict)  # {video: playable copy} for the index

    def to_json(self) -> dict:
        data = asdict(self)
        del data["videos"], data["browser_copies"]
        if self.error is None:
            del data["error"]
        return data


# --------------------------------------------------------------------------- finding notebooks


def find_notebooks_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The notebooks folder: ``explicit`` if given, else ``./notebooks``, else the repository's.

    The repository's folder is the ``notebooks`` next to the installed (editable) package.
    """
    if explicit is not None:
        candidates = [Path(explicit)]
    else:
        repo_root = Path(__file__).resolve().parents[2]
        candidates = [Path.cwd() / "notebooks", repo_root / "notebooks"]
    for folder in candidates:
        if folder.is_dir():
            return folder.resolve()
    tried = ", ".join(str(c) for c in candidates)
    raise UsageError(
        f"no notebooks folder found (tried {tried}); run from the repository root or pass --notebooks DIR"
    )


def list_notebooks(folder: Path) -> list[Path]:
    """The course notebooks in ``folder`` (``NN_topic.ipynb``), in order."""
    notebooks = sorted(p for p in folder.iterdir() if NOTEBOOK_PATTERN.match(p.name))
    if not notebooks:
        raise UsageError(f"no NN_*.ipynb notebooks in {folder}; pass --notebooks DIR")
    return notebooks


def select_notebooks(notebooks: list[Path], only: list[str] | None) -> list[Path]:
    """The notebooks named in ``only`` (a stem like ``00_overview`` or a prefix like ``00``)."""
    if not only:
        return notebooks
    chosen = []
    for name in only:
        matches = [p for p in notebooks if p.stem == name or p.stem.startswith(name)]
        if not matches:
            known = ", ".join(p.stem for p in notebooks)
            raise UsageError(f"--only {name!r} names no notebook; known notebooks: {known}")
        chosen += [p for p in matches if p not in chosen]
    return [p for p in notebooks if p in chosen]  # keep the course order


# --------------------------------------------------------------------------- peak memory


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


# --------------------------------------------------------------------------- running


def run_notebook(source: Path, out: Path, *, profile: str, cwd: Path) -> NotebookResult:
    """Execute ``source`` with papermill into ``out/<stem>.ipynb``; never raises for a cell error."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    out_dir = out / source.stem
    for stale_dir in (out_dir, out / COPIES_DIR / source.stem):  # no stale videos in the index
        shutil.rmtree(stale_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    executed = out / f"{source.stem}.ipynb"
    kernel_log = out / f"{source.stem}.kernel.log"
    for stale in (executed, executed.with_suffix(".html"), kernel_log):
        stale.unlink(missing_ok=True)  # what an earlier run left: only this run's results remain
    error = None
    start = time.perf_counter()
    with PeakMemory() as memory:
        try:
            papermill.execute_notebook(
                str(source), str(executed), parameters={"profile": profile, "out_dir": str(out_dir)},
                kernel_name=KERNEL_NAME, cwd=str(cwd), progress_bar=False, log_output=False,
                kernel_manager_class=_kernel_manager(log_path=kernel_log, memory=memory),
            )
        except PapermillExecutionError as err:
            error = describe_cell_error(source, err)
        except Exception as err:  # the kernel died, the notebook is not valid JSON, ...
            error = f"{type(err).__name__}: {_one_line(str(err))}"
            if kernel_log.exists():
                error += f" (kernel log: {kernel_log.name} in the course folder)"
    wall_s = time.perf_counter() - start
    status = "ok" if error is None else "failed"
    return NotebookResult(source.stem, status, round(wall_s, 2), round(memory.peak_mb, 1), error)


def _kernel_manager(*, log_path: Path, memory: PeakMemory) -> type:
    """A kernel manager that hands its kernel's pid to ``memory`` and its streams to ``log_path``.

    The kernel process's own stdout/stderr (not the notebook's outputs, which travel as messages)
    carry only its start-up chatter and crash reports: they go to a log beside the notebook
    instead of the runner's terminal.
    """
    from jupyter_client.manager import AsyncKernelManager

    class CourseKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            with open(log_path, "ab") as log:  # the child keeps its own copy of the descriptor
                await super()._async_launch_kernel(kernel_cmd, **{**kw, "stdout": log, "stderr": log})
            memory.pid = getattr(self.provisioner, "pid", None)  # None: memory is not measured

    return CourseKernelManager


def describe_cell_error(source: Path, err) -> str:
    """'cell 2 (`first line`): ValueError: message', with the cell index of the source notebook.

    papermill's ``cell_index`` counts the cells of the executed notebook, which holds one more cell
    than the source: the injected parameters, right after the cell tagged ``parameters`` (at the
    top when there is none). The index reported here is the source's, counted from 0.
    """
    index = err.cell_index
    try:
        import nbformat

        tags = [c.metadata.get("tags", []) for c in nbformat.read(source, as_version=4).cells]
        if not any("injected-parameters" in t for t in tags):  # papermill added a cell
            params = [i for i, t in enumerate(tags) if "parameters" in t]
            injected_at = params[-1] + 1 if params else 0
            index -= int(err.cell_index > injected_at)
    except (OSError, ValueError):
        pass
    first_line = next((line for line in err.source.splitlines() if line.strip()), "")
    return f"cell {index} (`{first_line.strip()}`): {err.ename}: {_one_line(err.evalue)}"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def write_html(executed: Path) -> Path:
    """The executed notebook as standalone HTML beside it (nbconvert's HTMLExporter)."""
    import nbformat
    from nbconvert import HTMLExporter

    html, _ = HTMLExporter().from_notebook_node(nbformat.read(executed, as_version=4))
    target = executed.with_suffix(".html")
    write_atomic(target, html)
    return target


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def run_course(notebooks: list[Path], out: Path, *, profile: str, cwd: Path,
               log=print) -> list[NotebookResult]:
    """Run ``notebooks`` in order into ``out``; write their HTML, index.html and report.json."""
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for number, source in enumerate(notebooks, 1):
        result = run_notebook(source, out, profile=profile, cwd=cwd)
        executed = out / f"{source.stem}.ipynb"
        if executed.exists():
            write_html(executed)
        result.videos = tuple(find_videos(out, out / source.stem))
        result.browser_copies = browser_copies(out, result.videos)
        results.append(result)
        log(f"[{number}/{len(notebooks)}] {result.name}: {result.status} in {result.wall_s:.1f} s, "
            f"peak {result.peak_rss_mb:.0f} MiB" + (f" -- {result.error}" if result.error else ""))
        sys.stdout.flush()
        # after every notebook, so that a long run can be followed and an interrupted one is kept
        write_report(out, profile, results)
        write_atomic(out / "index.html", render_index(out, profile, results))
    return results


def write_report(out: Path, profile: str, results: list[NotebookResult]) -> Path:
    """``out/report.json``: the profile and each notebook's name, status, wall time, peak memory."""
    report = {"profile": profile, "notebooks": [r.to_json() for r in results]}
    path = out / "report.json"
    write_atomic(path, json.dumps(report, indent=2) + "\n")
    return path
