"""Kill a training run with SIGKILL after a checkpoint, resume it, and get the same model."""

import json
import os
import signal
import subprocess
import sys
import time

import torch
from tiny import SMOKE_MOCOGAN

from vidgen_edu.training import load_checkpoint, load_generator

STEPS = 30
ARGS = [
    *SMOKE_MOCOGAN,
    "--steps",
    str(STEPS),
    "--checkpoint-every",
    "2",
    "--sample-every",
    "0",
    "--seed",
    "3",
    "--no-progress",
]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def cli(*args, **kw):
    return subprocess.Popen(
        [sys.executable, "-m", "vidgen_edu", "train", *args],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def kill_after_first_checkpoint(proc, last, timeout=120.0):
    """SIGKILL ``proc`` as soon as ``last`` exists; fail if it ends first."""
    t0 = time.monotonic()
    while not last.exists():
        assert proc.poll() is None, f"the run ended before it could be killed: {proc.stderr.read()}"
        assert time.monotonic() - t0 < timeout, "no checkpoint appeared"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL


def test_kill_and_resume_matches_uninterrupted_run(tmp_path):
    full, cut = tmp_path / "full", tmp_path / "cut"
    proc = cli(*ARGS, "--out", str(cut))
    kill_after_first_checkpoint(proc, cut / "last.pt")
    killed_at = load_checkpoint(cut / "last.pt")["step"]
    assert 0 < killed_at < STEPS, killed_at
    resumed = cli("--out", str(cut), "--resume", "--no-progress")
    assert resumed.wait() == 0, resumed.stderr.read()
    straight = cli(*ARGS, "--out", str(full))
    assert straight.wait() == 0, straight.stderr.read()

    a, b = load_checkpoint(full / "last.pt"), load_checkpoint(cut / "last.pt")
    assert a["step"] == b["step"] == STEPS
    for key, value in a["model"].items():
        assert torch.equal(value, b["model"][key]), key
    samples = []
    for run in (full, cut):
        g, _, _ = load_generator(run / "last.pt")
        samples.append(g.sample(4, generator=torch.Generator().manual_seed(11)))
    assert torch.equal(samples[0], samples[1])
    # the resumed run continued where it stopped: its log goes on after the checkpoint step
    steps = [
        int(line.split('"step": ')[1].split(",")[0])
        for line in (cut / "metrics.jsonl").read_text().splitlines()
    ]
    assert steps[-1] == STEPS and killed_at + 2 in steps
    # lines logged after the checkpoint by the killed process are not repeated
    assert steps == sorted(set(steps)), steps


def test_resume_refuses_a_changed_setting(tmp_path, capsys):
    from vidgen_edu.cli import main

    run = ["train", *SMOKE_MOCOGAN, "--steps", "2", "--no-progress", "--out", str(tmp_path / "run")]
    assert main(run) == 0
    assert main([*run, "--steps", "4", "--resume", "--seed", "9"]) == 2
    err = capsys.readouterr().err
    assert "train.seed: 0 -> 9" in err and len(err.strip().splitlines()) == 1


def test_resume_drops_log_lines_written_after_the_checkpoint(tmp_path):
    """A process killed between checkpoints has logged steps the resumed run will log again."""
    from vidgen_edu.cli import main

    out = tmp_path / "run"
    base = ["train", *SMOKE_MOCOGAN, "--checkpoint-every", "2", "--no-progress", "--out", str(out)]
    assert main([*base, "--steps", "2"]) == 0
    log = out / "metrics.jsonl"
    logged = [json.loads(line)["step"] for line in log.read_text().splitlines()]
    with open(log, "a") as f:  # what the killed process wrote after its last checkpoint
        f.write(json.dumps({"step": 4, "g_loss": 0.0}) + "\n")
    assert main([*base, "--steps", "4", "--resume"]) == 0
    steps = [json.loads(line)["step"] for line in log.read_text().splitlines()]
    assert steps[: len(logged)] == logged
    assert steps == sorted(set(steps)) and steps[-1] == 4
