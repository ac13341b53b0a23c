"""``vidgen-edu student``: write the student notebooks (solutions become stubs, answers are dropped).

Each solution function keeps its signature; its docstring and body become a stub that raises, and
markdown cells tagged ``answer`` are left out (``vidgen_edu.course.student``).

A student notebook that changed since the build wrote it (a learner's work) is never overwritten:
it is kept, and named with how to get a fresh copy. An --out that is, contains or lies inside the
notebooks folder is refused (exit 2).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path, help="the folder to write them into")
    parser.add_argument(
        "--notebooks",
        type=Path,
        default=None,
        help="the notebooks folder (default: ./notebooks, else the repository's)",
    )


def run(args: argparse.Namespace) -> int:
    from vidgen_edu.course.runner import find_notebooks_dir, list_notebooks
    from vidgen_edu.course.student import build_student

    folder = find_notebooks_dir(args.notebooks)
    list_notebooks(folder)  # an error when the folder holds no course notebooks
    build = build_student(folder, args.out)
    print(f"{len(build.written)} student notebook(s) written to {args.out}")
    for path in build.kept:
        print(
            f"kept {path}: it changed since the build wrote it, so it was not overwritten; for a "
            "fresh copy delete or rename it and run this again, or choose another --out"
        )
    return 0
