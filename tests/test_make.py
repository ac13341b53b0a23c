"""The Makefile's contract: what ``make test`` runs, Chromium handling, ``make lab`` as root.

These tests read the Makefile through ``make -n`` (print, do not run) or run targets that only
check; none installs anything. That ``make chromium`` really installs Debian's package as root was
checked by hand (MAINTAINING.md, "Tests").
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINTED = "vidgen_edu tests benchmarks notebooks"


def make(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "-C", str(ROOT), "--no-print-directory", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def recipe(target: str) -> list[str]:
    """The commands ``make -n TARGET`` would run (the .venv bootstrap included when it is stale)."""
    proc = make("-n", target)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_make_test_lints_then_runs_tests_doctests_and_notebooks():
    lines = recipe("test")
    lint = [i for i, line in enumerate(lines) if "ruff" in line]
    pytest_lines = [i for i, line in enumerate(lines) if "-m pytest" in line]
    assert f".venv/bin/ruff check {LINTED}" in lines
    assert f".venv/bin/ruff format --check {LINTED}" in lines
    assert lint and pytest_lines and max(lint) < min(pytest_lines), "lint runs before the tests"
    commands = "\n".join(lines)
    assert "pytest -q tests" in commands
    assert "--doctest-modules vidgen_edu" in commands
    assert "--nbval-lax --nbval-current-env notebooks" in commands
    assert "/usr/bin/chromium" in commands, "make test checks for Chromium"


def test_ci_runs_make_test():
    script = ROOT / ".ci" / "run"
    assert script.stat().st_mode & stat.S_IXUSR, ".ci/run must be executable"
    last = [line for line in script.read_text().splitlines() if line.strip()][-1]
    assert last.strip() == "make test"


def test_lab_allows_root_only_as_root():
    lab = [line for line in recipe("lab") if "jupyter lab" in line]
    assert lab, "make lab starts jupyter lab"
    assert ("--allow-root" in lab[0]) == (os.geteuid() == 0)


def test_missing_chromium_without_root_stops_with_one_line(tmp_path):
    """As a user without root or sudo, make says what to install instead of failing later."""
    fake = tmp_path / "bin"
    fake.mkdir()
    for name, body in (("id", "echo 1000"), ("sudo", "exit 1")):  # not root; sudo asks a password
        (fake / name).write_text(f"#!/bin/sh\n{body}\n")
        (fake / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"}
    proc = make("chromium", f"CHROMIUM={tmp_path / 'no-chromium'}", env=env)
    assert proc.returncode != 0
    message = [
        line for line in proc.stderr.splitlines() if line.startswith("make: ") and "***" not in line
    ]
    assert len(message) == 1 and "apt-get install chromium" in message[0], proc.stderr


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Chromium is not installed")
def test_present_chromium_is_left_alone():
    proc = make("chromium")
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr
