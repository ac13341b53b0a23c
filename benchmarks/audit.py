"""Try every bad input of ``tests/audit_cases.py`` on the command line; print tried / good / bad.

    .venv/bin/python benchmarks/audit.py

A case is good when the command exits with the expected status and prints exactly one line on
stderr with what was wrong and what to do (see ``audit_cases.judge``). The bad ones are listed.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from audit_cases import CASES, build_fixtures, expand, judge  # noqa: E402

from vidgen_edu.cli import main  # noqa: E402


def run_case(argv: list[str]) -> tuple[int, str]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        status = main(argv)
    return status, err.getvalue()


def main_() -> int:
    os.environ.pop("VIDGEN_EDU_PROFILE", None)  # it would override the cases' --profile
    with tempfile.TemporaryDirectory() as tmp:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            places = build_fixtures(Path(tmp))
        tried, good, bad = Counter(), Counter(), []
        for name, argv, status, phrases in CASES:
            command = argv[0]
            got, err = run_case(expand(argv, places))
            problem = judge(got, err, status, phrases)
            tried[command] += 1
            if problem:
                bad.append((name, problem, err.strip()))
            else:
                good[command] += 1
    print("| command | tried | good | bad |\n|---|---:|---:|---:|")
    for command in tried:
        print(
            f"| {command} | {tried[command]} | {good[command]} | {tried[command] - good[command]} |"
        )
    total = sum(tried.values())
    print(f"| all | {total} | {sum(good.values())} | {total - sum(good.values())} |")
    for name, problem, err in bad:
        print(f"\nBAD {name}: {problem}\n    {err}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main_())
