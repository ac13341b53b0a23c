"""The course build's output folder, progress lines and pages, through the CLI and real papermill.

- ``--out`` may not be, contain or lie inside the notebooks folder, nor hold notebooks the runner
  did not write; a rerun deletes only what the runner wrote (``.vidgen-course.json``).
- Each code cell is printed as it starts, and a long one again while it runs.
- The pages are titled with the notebook's heading, load MathJax from ``_mathjax/`` (no CDN), and
  the index captions each video in words.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from test_course import run_cli  # the CLI helper of the course tests

from vidgen_edu.course import run_course

WRITE_CELL = """\
import json, os
import numpy as np
from vidgen_edu.video import write_video

os.makedirs(out_dir, exist_ok=True)
frames = np.zeros((4, 16, 16, 3), np.uint8)  # (T, H, W, C)
frames[:, 4:8, 4:8] = 255
write_video(os.path.join(out_dir, "moving_square.mp4"), frames)
write_video(os.path.join(out_dir, "b.mp4"), frames)
with open(os.path.join(out_dir, "captions.json"), "w") as f:
    json.dump({"b.mp4": "A white square, as the notebook described it"}, f)
with open(os.path.join(out_dir, profile + ".txt"), "w") as f:  # differs between profiles
    f.write(profile)
"""

SLEEP_CELL = "import time\ntime.sleep(1.5)  # a long cell, for the progress lines"


def write_notebooks(folder: Path) -> Path:
    """``00_notes.ipynb`` (writes two videos, a caption and ``<profile>.txt``) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# Notes *for* the runner\n\nIt renders $e^{i\\pi} + 1 = 0$."
        ),
        nbformat.v4.new_code_cell(
            'profile = "auto"\nout_dir = "build/notebook_out"', metadata={"tags": ["parameters"]}
        ),
        nbformat.v4.new_code_cell(WRITE_CELL),
        nbformat.v4.new_code_cell(SLEEP_CELL),
    ]
    nbformat.write(nb, folder / "00_notes.ipynb")
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One run of ``00_notes`` into ``course``: (completed process, course folder)."""
    root = tmp_path_factory.mktemp("outdir")
    write_notebooks(root / "notebooks")
    proc = run_cli("course", "--profile", "smoke", "--out", "course", cwd=root)
    assert proc.returncode == 0, proc.stderr
    return proc, root / "course"


# --------------------------------------------------------------------------- refused folders


@pytest.mark.parametrize(
    "out, where", [("notebooks", "is"), ("notebooks/sub", "lies inside"), (".", "contains")]
)
def test_out_in_or_around_the_notebooks_folder_is_refused(tmp_path, out, where):
    notebooks = write_notebooks(tmp_path / "notebooks")
    before = snapshot(notebooks)
    proc = run_cli("course", "--profile", "smoke", "--only", "00", "--out", out, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert (
        f"{where} the notebooks folder" in proc.stderr and "choose a folder outside" in proc.stderr
    )
    assert snapshot(notebooks) == before  # nothing deleted, nothing written
    assert not (tmp_path / "notebooks" / "sub").exists()


def test_out_holding_notebooks_it_did_not_write_is_refused(tmp_path):
    notebooks = write_notebooks(tmp_path / "notebooks")
    other = tmp_path / "other"
    other.mkdir()
    (other / "00_notes.ipynb").write_bytes((notebooks / "00_notes.ipynb").read_bytes() + b" ")
    before = snapshot(other)
    proc = run_cli("course", "--profile", "smoke", "--out", "other", cwd=tmp_path)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "did not write (00_notes.ipynb" in proc.stderr and "--out" in proc.stderr
    assert snapshot(other) == before


def test_rerun_deletes_only_what_the_runner_wrote(built, tmp_path):
    _, first = built
    course = tmp_path / "course"
    for rel, data in snapshot(first).items():  # a copy of the first run, to rerun on
        (course / rel).parent.mkdir(parents=True, exist_ok=True)
        (course / rel).write_bytes(data)
    (course / "keep.txt").write_text("the user's")
    (course / "00_notes" / "mine.mp4").write_bytes(b"the user's video")
    notebooks = first.parent / "notebooks"
    proc = run_cli(
        "course",
        "--profile",
        "cpu",
        "--out",
        str(course),
        "--notebooks",
        str(notebooks),
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert not (course / "00_notes" / "smoke.txt").exists()  # the first run's, now stale
    assert (course / "00_notes" / "cpu.txt").read_text() == "cpu"
    assert (course / "keep.txt").read_text() == "the user's"
    assert (course / "00_notes" / "mine.mp4").read_bytes() == b"the user's video"
    owned = json.loads((course / ".vidgen-course.json").read_text())["files"]
    assert "00_notes/cpu.txt" in owned and "00_notes.ipynb" in owned and "index.html" in owned
    assert "00_notes/smoke.txt" not in owned and "00_notes/mine.mp4" not in owned
    assert "keep.txt" not in owned
    assert "mine.mp4" not in (course / "index.html").read_text()  # the index shows this run's


# --------------------------------------------------------------------------- progress


def test_cli_prints_each_cell_as_it_starts(built):
    proc, _ = built
    lines = proc.stdout.splitlines()
    starts = [line for line in lines if line.startswith("  00_notes cell")]
    assert starts == [
        '  00_notes cell 1: profile = "auto"',
        "  00_notes cell 2: import json, os",
        "  00_notes cell 3: import time",
    ], proc.stdout
    assert lines.index(starts[-1]) < next(
        i for i, line in enumerate(lines) if line.startswith("[1/1]")
    )


def test_a_long_cell_is_reported_while_it_runs(tmp_path):
    notebooks = write_notebooks(tmp_path / "notebooks")
    lines: list[str] = []
    results = run_course(
        [notebooks / "00_notes.ipynb"],
        tmp_path / "course",
        profile="smoke",
        cwd=notebooks,
        log=lines.append,
        heartbeat_s=0.4,
    )
    assert results[0].status == "ok", results[0].error
    beats = [line for line in lines if line.startswith("  00_notes cell 3: still running (")]
    assert beats, lines  # the 1.5 s cell, every 0.4 s (other cells may be slow enough too)
    assert lines.index("  00_notes cell 3: import time") < lines.index(beats[0])
    assert all(
        re.fullmatch(r"  00_notes cell \d: still running \(\d+ s\)", line)
        for line in lines
        if "still running" in line
    ), lines


# --------------------------------------------------------------------------- pages


class _Page(HTMLParser):
    """The <title>, every <script src> and every <figcaption> text of a page."""

    def __init__(self):
        super().__init__()
        self.title, self.scripts, self.captions, self._in = "", [], [], None

    def handle_starttag(self, tag, attrs):
        if tag == "script" and dict(attrs).get("src"):
            self.scripts.append(dict(attrs)["src"])
        if tag in ("title", "figcaption"):
            self._in = tag
            if tag == "figcaption":
                self.captions.append("")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "figcaption":
            self.captions[-1] += data


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_html_loads_mathjax_from_the_course_folder(built):
    _, course = built
    text = (course / "00_notes.html").read_text(encoding="utf-8")
    assert not re.search(r"https?://[^\"'\s]*mathjax", text, re.IGNORECASE)
    local = [src for src in parse(course / "00_notes.html").scripts if "MathJax.js" in src]
    assert local == ["_mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"]
    assert (course / "_mathjax" / "MathJax.js").stat().st_size > 10_000
    assert (course / "_mathjax" / "config" / "TeX-AMS-MML_HTMLorMML-full.js").is_file()


def test_page_title_is_the_notebook_heading(built):
    _, course = built
    assert parse(course / "00_notes.html").title == "Notes for the runner"


def test_index_captions_say_what_each_clip_is(built):
    _, course = built
    captions = parse(course / "index.html").captions
    assert any(c.startswith("A white square, as the notebook described it") for c in captions), (
        captions
    )
    assert any(c.startswith("Moving square") for c in captions), captions
