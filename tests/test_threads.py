"""The OpenMP wait policy reaches every process that runs torch for the course.

Thread collapse (MAINTAINING.md, "Threads"): with a core busy, spinning OpenMP threads made a
training step many times slower; ``OMP_WAIT_POLICY=PASSIVE`` set before torch loads cures it.
These tests check that the variable is there, not how fast anything runs (timings belong in
``benchmarks/threads.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat

VAR = "OMP_WAIT_POLICY"


def clean_env(**extra: str) -> dict:
    """This process's environment without the wait policy (and without a profile override)."""
    env = {k: v for k, v in os.environ.items() if k not in (VAR, "VIDGEN_EDU_PROFILE")}
    return {**env, "PYTHONWARNINGS": "ignore", **extra}


def python(code: str, env: dict) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_import_sets_passive_wait_before_torch_loads():
    code = (
        "import os, sys, vidgen_edu; print(os.environ['OMP_WAIT_POLICY'], 'torch' in sys.modules)"
    )
    assert python(code, clean_env()) == "PASSIVE False"


def test_the_users_own_policy_stays():
    code = "import os, vidgen_edu; print(os.environ['OMP_WAIT_POLICY'])"
    assert python(code, clean_env(OMP_WAIT_POLICY="ACTIVE")) == "ACTIVE"


def test_the_course_kernel_inherits_the_policy(tmp_path):
    """A notebook run by ``vidgen-edu course`` sees the variable even when it imports torch first."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            'profile = "auto"\nout_dir = "out"', metadata={"tags": ["parameters"]}
        ),
        nbformat.v4.new_code_cell(
            f"import os\nassert os.environ.get({VAR!r}) == 'PASSIVE', os.environ.get({VAR!r})"
        ),
    ]
    nbformat.write(nb, notebooks / "00_policy.ipynb")
    out = tmp_path / "course"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "vidgen_edu",
            "course",
            "--profile",
            "smoke",
            "--out",
            str(out),
            "--notebooks",
            str(notebooks),
        ],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads((out / "report.json").read_text())
    assert proc.returncode == 0 and report["notebooks"][0]["status"] == "ok", proc.stderr


def test_make_exports_the_policy_to_its_commands():
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run(
        [
            "make",
            "-s",
            "-C",
            str(root),
            "--eval",
            "print-policy: ; @echo $$OMP_WAIT_POLICY",
            "print-policy",
        ],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.stdout.strip() == "PASSIVE", proc.stdout + proc.stderr
