"""The course runner, end to end through the CLI, on small notebooks the test writes.

``00_video`` writes two tiny videos into its ``out_dir`` (H.264, and H.265 in a subfolder) and
holds 300 MB for a moment (so that the memory measurement has something real to find);
``01_fail`` fails in cell 2; ``02_broken`` is not a notebook at all (the run goes on past
``01_fail`` and reports it too).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

BIG_MB = 300  # what 00_video allocates, MB (10**6 bytes)

VIDEO_CELL = """\
import os
import numpy as np
from vidgen_edu.video import write_video

assert os.path.exists("00_video.ipynb"), "the runner runs a notebook in the notebooks folder"
os.makedirs(out_dir, exist_ok=True)
frames = np.zeros((16, 32, 32, 3), dtype=np.uint8)  # (T, H, W, C)
for t in range(16):
    frames[t, 8:16, t:t + 8] = (255, 200, 0)  # a square moving right
write_video(os.path.join(out_dir, "square.mp4"), frames)
os.makedirs(os.path.join(out_dir, "hevc"), exist_ok=True)  # videos in subfolders are found too
write_video(os.path.join(out_dir, "hevc", "square_h265.mp4"), frames, codec="h265")
"""

MEMORY_CELL = f"""\
big = np.ones({BIG_MB * 10**6 // 8}, dtype=np.float64)  # {BIG_MB} MB, every page written
del big
"""


def _notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = list(cells)
    return nb


def _parameters():
    return nbformat.v4.new_code_cell(
        'profile = "auto"\nout_dir = "build/notebook_out"', metadata={"tags": ["parameters"]}
    )


def write_fixture_notebooks(folder: Path) -> Path:
    """Write ``00_video``, ``01_fail`` and ``02_broken`` (.ipynb) into ``folder``; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    video = _notebook(
        nbformat.v4.new_markdown_cell(
            "# A notebook that writes a video\n\nIts square moves by $\\Delta x = 1$ pixel a frame."
        ),
        _parameters(),
        nbformat.v4.new_code_cell(VIDEO_CELL),
        nbformat.v4.new_code_cell(MEMORY_CELL),
        nbformat.v4.new_code_cell('assert profile == "smoke", profile'),
    )
    failing = _notebook(
        _parameters(),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell('y = x + 1\nraise ValueError("boom from the fixture")'),
        nbformat.v4.new_code_cell('print("never reached")'),
    )
    nbformat.write(video, folder / "00_video.ipynb")
    nbformat.write(failing, folder / "01_fail.ipynb")
    (folder / "02_broken.ipynb").write_text("{ this is not JSON")
    (folder / "notes.ipynb").write_text("not a course notebook: no NN_ prefix, so never run")
    return folder


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m vidgen_edu ARGS`` in ``cwd``, with the output captured as text."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("VIDGEN_EDU_PROFILE", None)  # the test passes --profile itself
    return subprocess.run(
        [sys.executable, "-m", "vidgen_edu", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


class _Links(HTMLParser):
    """The href of every <a>, the src of every <video>/<source>/<img> in a page."""

    def __init__(self):
        super().__init__()
        self.links, self.media, self.tags = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "a":
            self.links.append(attrs["href"])
        if tag in ("source", "img", "video") and "src" in attrs:
            self.media.append(attrs["src"])


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The full course run on both fixture notebooks: (completed process, course folder)."""
    root = tmp_path_factory.mktemp("course")
    notebooks = write_fixture_notebooks(root / "notebooks")
    proc = run_cli(
        "course", "--profile", "smoke", "--out", "built", cwd=root
    )  # ./notebooks is found
    return proc, root / "built", notebooks


def test_failing_notebook_gives_status_1_and_names_notebook_and_cell(course):
    proc, _, _ = course
    assert proc.returncode == 1, proc.stderr
    failures = [line for line in proc.stderr.splitlines() if line.startswith("vidgen-edu course:")]
    assert len(failures) == 2, proc.stderr
    line = failures[0]
    assert "01_fail" in line and "cell 2" in line, line
    assert "y = x + 1" in line and "ValueError: boom from the fixture" in line, line
    assert "02_broken" in failures[1]
    progress = [line for line in proc.stdout.splitlines() if line.startswith("[")]
    assert len(progress) == 3 and "00_video: ok" in progress[0] and "01_fail: failed" in progress[1]


def test_report_has_every_notebook_with_real_measurements(course):
    _, out, _ = course
    report = json.loads((out / "report.json").read_text())
    assert report["profile"] == "smoke"
    by_name = {nb["name"]: nb for nb in report["notebooks"]}
    assert list(by_name) == ["00_video", "01_fail", "02_broken"]  # course order; not notes.ipynb
    assert by_name["02_broken"]["status"] == "failed" and by_name["02_broken"]["error"]
    ok, failed = by_name["00_video"], by_name["01_fail"]
    assert ok["status"] == "ok" and "error" not in ok
    assert failed["status"] == "failed" and "cell 2" in failed["error"]
    for nb in (ok, failed):
        assert set(nb) >= {"name", "status", "wall_s", "peak_rss_mb"}
        assert 0 < nb["wall_s"] < 300
        assert 20 < nb["peak_rss_mb"] < 16_000  # a Python kernel, in MiB
    # the 300 MB array was seen, and only in the notebook that made it
    assert ok["peak_rss_mb"] > BIG_MB * 10**6 / 2**20
    assert failed["peak_rss_mb"] < ok["peak_rss_mb"] - 200


def test_executed_notebooks_html_and_video_are_written(course):
    _, out, _ = course
    for stem in ("00_video", "01_fail"):
        assert (out / f"{stem}.html").read_text().lstrip().lower().startswith("<!doctype html")
        assert nbformat.read(out / f"{stem}.ipynb", as_version=4).cells
    executed = nbformat.read(out / "00_video.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and f'out_dir = "{out / "00_video"}"' in injected[0].source
    assert (out / "00_video" / "square.mp4").stat().st_size > 0
    assert not [p for p in out.rglob("*.tmp")], "atomic writes leave no temporary files"


def test_index_links_notebooks_and_plays_the_video_by_relative_paths(course):
    _, out, _ = course
    page = (out / "index.html").read_text()
    parsed = _Links()
    parsed.feed(page)
    assert {"00_video.html", "01_fail.html"} <= set(parsed.links)
    assert "video" in parsed.tags and "00_video/square.mp4" in parsed.media
    # browsers do not decode H.265: the index plays a VP9 copy and links the original
    assert "_browser/00_video/hevc/square_h265.webm" in parsed.media
    assert "00_video/hevc/square_h265.mp4" in parsed.links
    for target in parsed.links + parsed.media:
        assert not target.startswith(("/", "file:")), target
        assert (out / target).exists(), target
    assert str(out) not in page  # the folder can be moved
    assert "failed" in page and "ok" in page


def test_only_selects_by_prefix_and_keeps_going(course, tmp_path):
    _, _, notebooks = course
    proc = run_cli(
        "course",
        "--profile",
        "smoke",
        "--out",
        str(tmp_path / "only"),
        "--notebooks",
        str(notebooks),
        "--only",
        "00",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "only" / "report.json").read_text())
    assert [nb["name"] for nb in report["notebooks"]] == ["00_video"]
    assert report["notebooks"][0]["status"] == "ok"
    assert not (tmp_path / "only" / "01_fail.ipynb").exists()


def test_unknown_only_name_is_exit_2_with_the_known_names(course, tmp_path):
    _, _, notebooks = course
    proc = run_cli(
        "course",
        "--notebooks",
        str(notebooks),
        "--only",
        "99_nothing",
        "--out",
        str(tmp_path / "x"),
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "99_nothing" in proc.stderr and "00_video, 01_fail, 02_broken" in proc.stderr
    assert not (tmp_path / "x").exists()


def test_missing_notebooks_folder_is_exit_2(tmp_path):
    proc = run_cli("course", "--notebooks", str(tmp_path / "absent"), cwd=tmp_path)
    assert proc.returncode == 2
    assert "no notebooks folder" in proc.stderr and "--notebooks" in proc.stderr
