"""Run the course: every ``NN_*.ipynb`` notebook executed in order with papermill.

For each notebook the runner passes the papermill parameters ``profile`` and ``out_dir`` (a folder
of its own, ``OUT/<stem>/``, where the notebook writes the videos the index plays), runs it with the
``python3`` kernel in the notebooks folder, and records its status, wall time and peak memory.
A failing notebook does not stop the others. The executed notebook, its HTML, ``index.html`` and
``report.json`` are written to ``OUT``. While a notebook runs, the runner prints each code cell as
it starts and, every ``HEARTBEAT_S`` seconds, that a long cell is still running (``monitor``).

``OUT`` is never the notebooks folder, nor inside it, nor around it, and it holds no notebook the
runner did not write (``outdir``); the runner records what it writes in ``OUT/.vidgen-course.json``
and, on a rerun, deletes only those files.

Peak memory is that of the kernel process and its children, measured by ``monitor.PeakMemory``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from vidgen_edu.course.index import (
    COPIES_DIR,
    browser_copies,
    copy_mathjax,
    find_videos,
    render_index,
    write_html,
)
from vidgen_edu.course.monitor import (
    HEARTBEAT_S,
    CellProgress,
    PeakMemory,
    course_engine,
    injected_at,
    source_index,
)
from vidgen_edu.course.outdir import (
    COURSE_NOTEBOOK,
    Manifest,
    file_stamps,
    record_new_files,
    refuse_foreign_files,
    refuse_notebooks_folder,
)
from vidgen_edu.errors import UsageError
from vidgen_edu.files import atomic_path, write_text_atomic

NOTEBOOK_PATTERN = COURSE_NOTEBOOK
KERNEL_NAME = "python3"
MANIFEST = ".vidgen-course.json"  # what the runner wrote into OUT: the only files it deletes


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


# --------------------------------------------------------------------------- the output folder


def course_targets(notebooks: list[Path]) -> list[str]:
    """The files a run of ``notebooks`` writes at the top of ``OUT``, relative to it."""
    per_notebook = [
        f"{p.stem}{suffix}" for p in notebooks for suffix in (".ipynb", ".html", ".kernel.log")
    ]
    return ["index.html", "report.json", *per_notebook]


def check_out_folder(out: Path, notebooks: list[Path]) -> Manifest:
    """Refuse an ``out`` that would put the course's sources at risk; return its manifest.

    Raises ``RunFolderError`` when ``out`` is, contains or lies inside a folder the notebooks come
    from, or holds notebooks (or files the run would replace) that the runner did not write.
    """
    out = Path(out).resolve()
    for folder in sorted({Path(p).resolve().parent for p in notebooks}):
        refuse_notebooks_folder(out, folder)
    manifest = Manifest(out, MANIFEST)
    refuse_foreign_files(out, manifest, course_targets(notebooks))
    return manifest


# --------------------------------------------------------------------------- running


class _NothingWritten(Exception):
    """papermill stopped before writing the executed notebook (e.g. the source is not JSON)."""


def run_notebook(
    source: Path,
    out: Path,
    manifest: Manifest,
    *,
    profile: str,
    cwd: Path,
    log=print,
    heartbeat_s: float = HEARTBEAT_S,
) -> NotebookResult:
    """Execute ``source`` with papermill into ``out/<stem>.ipynb``; never raises for a cell error.

    What an earlier run of this notebook wrote (and only that) is deleted first, so only this
    run's results remain; the files the notebook writes into ``out/<stem>/`` are recorded.
    """
    stem = source.stem
    for owned in (
        f"{stem}.ipynb",
        f"{stem}.html",
        f"{stem}.kernel.log",
        stem,
        f"{COPIES_DIR}/{stem}",
    ):
        manifest.remove_owned(owned)
    for owned in (f"{stem}.ipynb", f"{stem}.kernel.log"):
        manifest.record(owned)  # before writing: an interrupted run leaves nothing unrecorded
    out_dir = out / stem
    out_dir.mkdir(parents=True, exist_ok=True)
    before = file_stamps(out_dir)
    start = time.perf_counter()
    with PeakMemory() as memory, CellProgress(source, log=log, heartbeat_s=heartbeat_s) as progress:
        try:
            with atomic_path(out / f"{stem}.ipynb", suffix=".ipynb") as executed:
                error = _execute(
                    source,
                    executed,
                    out_dir,
                    out / f"{stem}.kernel.log",
                    profile=profile,
                    cwd=cwd,
                    memory=memory,
                    progress=progress,
                )
                if executed.stat().st_size == 0:
                    raise _NothingWritten(error)
        except _NothingWritten as nothing:
            error = nothing.args[0]
    wall_s = time.perf_counter() - start
    record_new_files(manifest, out_dir, before)
    status = "ok" if error is None else "failed"
    return NotebookResult(stem, status, round(wall_s, 2), round(memory.peak_mb, 1), error)


def _execute(
    source: Path,
    executed: Path,
    out_dir: Path,
    kernel_log: Path,
    *,
    profile: str,
    cwd: Path,
    memory: PeakMemory,
    progress: CellProgress,
) -> str | None:
    """Run papermill on ``source`` into ``executed``; the error as one line, or None."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(
            str(source),
            str(executed),
            parameters={"profile": profile, "out_dir": str(out_dir)},
            kernel_name=KERNEL_NAME,
            cwd=str(cwd),
            progress_bar=False,
            log_output=False,
            engine_name=course_engine(),
            cell_progress=progress,
            kernel_manager_class=_kernel_manager(log_path=kernel_log, memory=memory),
        )
    except PapermillExecutionError as err:
        return describe_cell_error(source, err)
    except Exception as err:  # the kernel died, the notebook is not valid JSON, ...
        error = f"{type(err).__name__}: {_one_line(str(err))}"
        if kernel_log.exists():
            error += f" (kernel log: {kernel_log.name} in the course folder)"
        return error
    return None


def _kernel_manager(*, log_path: Path, memory: PeakMemory) -> type:
    """A kernel manager that hands its kernel's pid to ``memory`` and its streams to ``log_path``.

    The kernel process's own stdout/stderr (not the notebook's outputs, which travel as messages)
    carry only its start-up chatter and crash reports: they go to a log beside the notebook
    instead of the runner's terminal (a stream the kernel appends to, so not an atomic write).
    """
    from jupyter_client.manager import AsyncKernelManager

    class CourseKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            with open(log_path, "ab") as log:  # the child keeps its own copy of the descriptor
                await super()._async_launch_kernel(
                    kernel_cmd, **{**kw, "stdout": log, "stderr": log}
                )
            memory.pid = getattr(self.provisioner, "pid", None)  # None: memory is not measured

    return CourseKernelManager


def describe_cell_error(source: Path, err) -> str:
    """'cell 2 (`first line`): ValueError: message', with the cell index of the source notebook.

    papermill's ``cell_index`` counts the cells of the executed notebook, which may hold one more
    cell than the source (see ``injected_at``); the index reported here is the source's, from 0.
    """
    index = source_index(err.cell_index, injected_at(source))
    first_line = next((line for line in err.source.splitlines() if line.strip()), "")
    return f"cell {index} (`{first_line.strip()}`): {err.ename}: {_one_line(err.evalue)}"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def run_course(
    notebooks: list[Path],
    out: Path,
    *,
    profile: str,
    cwd: Path,
    log=print,
    heartbeat_s: float = HEARTBEAT_S,
) -> list[NotebookResult]:
    """Run ``notebooks`` in order into ``out``; write their HTML, index.html and report.json."""
    out = Path(out).resolve()
    manifest = check_out_folder(out, notebooks)
    out.mkdir(parents=True, exist_ok=True)
    mathjax_url = copy_mathjax(out, manifest)
    for name in ("index.html", "report.json"):
        manifest.record(name)
    results = []
    for number, source in enumerate(notebooks, 1):
        log(f"{source.stem} ({number}/{len(notebooks)}): starting")
        result = run_notebook(
            source, out, manifest, profile=profile, cwd=cwd, log=log, heartbeat_s=heartbeat_s
        )
        executed = out / f"{source.stem}.ipynb"
        if executed.exists():
            manifest.record(f"{source.stem}.html")
            write_html(executed, mathjax_url=mathjax_url)
        result.videos = tuple(v for v in find_videos(out, out / source.stem) if manifest.owns(v))
        result.browser_copies = browser_copies(out, result.videos)
        record_new_files(manifest, out / COPIES_DIR / source.stem, {})
        results.append(result)
        log(
            f"[{number}/{len(notebooks)}] {result.name}: {result.status} in {result.wall_s:.1f} s, "
            f"peak {result.peak_rss_mb:.0f} MiB" + (f" -- {result.error}" if result.error else "")
        )
        sys.stdout.flush()
        # after every notebook, so that a long run can be followed and an interrupted one is kept
        write_report(out, profile, results)
        write_text_atomic(out / "index.html", render_index(out, profile, results))
    return results


def write_report(out: Path, profile: str, results: list[NotebookResult]) -> Path:
    """``out/report.json``: the profile and each notebook's name, status, wall time, peak memory."""
    report = {"profile": profile, "notebooks": [r.to_json() for r in results]}
    path = out / "report.json"
    write_text_atomic(path, json.dumps(report, indent=2) + "\n")
    return path
