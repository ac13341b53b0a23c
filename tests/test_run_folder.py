"""Nothing a user wrote is lost: the run folder's lock, a torn log, a stale log, Ctrl-C, leftovers.

Real ``vidgen-edu train`` processes, real signals, real files.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tiny import SMOKE_MOCOGAN

from vidgen_edu.cli import main
from vidgen_edu.training import load_checkpoint

QUICK = ["train", *SMOKE_MOCOGAN, "--no-progress", "--set", "train.sample_every=0"]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def start(*args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "vidgen_edu", *args],
        env=ENV,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for(predicate, proc, timeout=120.0):
    t0 = time.monotonic()
    while not predicate():
        assert proc.poll() is None, f"the run ended first: {proc.stderr.read()}"
        assert time.monotonic() - t0 < timeout, "timed out"
        time.sleep(0.05)


def logged_steps(out: Path) -> list[int]:
    return [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()]


def test_a_second_run_into_the_same_folder_is_refused_and_names_the_first(tmp_path, capsys):
    out = tmp_path / "run"
    first = start(*QUICK, "--steps", "2000", "--set", "train.log_every=1", "--out", str(out))
    try:
        wait_for(lambda: (out / "last.pt").exists(), first)
        assert main([*QUICK, "--steps", "3", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert "in use by another run" in err and f"process {first.pid}" in err, err
        assert main([*QUICK, "--steps", "3000", "--resume", "--out", str(out)]) == 2
        assert "in use by another run" in capsys.readouterr().err
    finally:
        first.kill()
        first.wait()
    steps = logged_steps(out)
    assert steps == sorted(set(steps))  # only the first run wrote to the log


def test_ctrl_c_saves_the_step_reached_and_exits_130(tmp_path):
    out = tmp_path / "run"
    args = [*QUICK, "--steps", "2000", "--checkpoint-every", "1000", "--set", "train.log_every=1"]
    proc = start(*args, "--out", str(out))
    wait_for(lambda: (out / "metrics.jsonl").exists() and len(logged_steps(out)) >= 3, proc)
    assert not (out / "last.pt").exists()  # no regular checkpoint yet: all would be lost
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    step = load_checkpoint(out / "last.pt")["step"]
    assert 3 <= step < 1000 and f"interrupted at step {step}" in err
    assert max(logged_steps(out)) == step
    resumed = start(*args, "--steps", str(step + 2), "--resume", "--out", str(out))
    assert resumed.wait(timeout=120) == 0, resumed.stderr.read()
    assert load_checkpoint(out / "last.pt")["step"] == step + 2


def test_resume_drops_a_torn_last_line_and_says_so(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*QUICK, "--steps", "2", "--out", str(out)]) == 0
    with open(out / "metrics.jsonl", "a") as f:
        f.write('{"step": 3, "g_loss": 0.1')  # power lost in the middle of a line
    capsys.readouterr()
    assert main([*QUICK, "--steps", "4", "--resume", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "dropped 1 unreadable (torn) line(s)" in err and len(err.strip().splitlines()) == 1
    assert logged_steps(out)[-1] == 4 and logged_steps(out) == sorted(set(logged_steps(out)))


def test_a_fresh_run_replaces_the_log_of_a_run_that_never_saved(tmp_path, capsys):
    out = tmp_path / "run"
    (out / "samples").mkdir(parents=True)
    (out / "metrics.jsonl").write_text(json.dumps({"step": 7, "g_loss": 9.0}) + "\n")
    (out / "samples" / "step_000007.mp4").write_bytes(b"old")
    assert main([*QUICK, "--steps", "2", "--out", str(out)]) == 0
    assert "starting afresh" in capsys.readouterr().err
    assert logged_steps(out) == [2]  # the old line is gone, not appended to
    assert not (out / "samples" / "step_000007.mp4").exists()


def test_a_folder_of_other_files_is_refused_and_left_alone(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "config.json").write_text('{"mine": true}')  # a user's file that a run would replace
    (out / "notes.txt").write_text("keep me")
    assert main([*QUICK, "--steps", "1", "--out", str(out)]) == 2
    assert "not a vidgen-edu run" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "keep me"
    assert (out / "config.json").read_text() == '{"mine": true}'


def test_a_users_own_config_json_is_never_taken_for_a_runs(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "config.json").write_text('{"mine": true}')  # alone: nothing else gives it away
    assert main([*QUICK, "--steps", "1", "--out", str(out)]) == 2
    assert "not a vidgen-edu run (config.json)" in capsys.readouterr().err
    assert (out / "config.json").read_text() == '{"mine": true}'


def test_leftovers_of_killed_writes_are_removed_on_resume(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*QUICK, "--steps", "2", "--out", str(out)]) == 0
    stale = [out / ".last.pt.k1LL3d_x.tmp", out / "samples" / ".step_000002.mp4.abcdefgh.tmp.mp4"]
    for path in stale:
        path.write_bytes(b"half a file")
    assert main([*QUICK, "--steps", "3", "--resume", "--out", str(out)]) == 0
    assert "removed 2 temporary file(s)" in capsys.readouterr().err
    assert not any(p.exists() for p in stale)


def test_files_get_the_users_umask(tmp_path):
    old = os.umask(0o022)
    try:
        out = tmp_path / "run"
        assert (
            main([*QUICK, "--steps", "2", "--set", "train.sample_every=2", "--out", str(out)]) == 0
        )
        clips = tmp_path / "clips.npy"
        assert main(["generate", "--checkpoint", str(out), "--n", "2", "--out", str(clips)]) == 0
    finally:
        os.umask(old)
    written = [
        out / "last.pt",
        out / "config.json",
        out / "metrics.jsonl",
        clips,
        *(out / "samples").iterdir(),
    ]
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in written} == {"0o644"}
    assert not [p for p in tmp_path.rglob("*") if ".tmp" in p.name]


def test_atomic_path_removes_the_temporary_file_on_failure(tmp_path):
    from vidgen_edu.files import atomic_path

    target = tmp_path / "x.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="half way"):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"new, but not finished")
            raise RuntimeError("half way")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["x.bin"]
