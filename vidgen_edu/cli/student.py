"""``vidgen-edu student``: write the student notebooks (each solution replaced by a stub)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path, help="the folder to write them into")
    parser.add_argument("--notebooks", type=Path, default=None,
                        help="the notebooks folder (default: ./notebooks, else the repository's)")


def run(args: argparse.Namespace) -> int:
    from vidgen_edu.course.runner import find_notebooks_dir, list_notebooks
    from vidgen_edu.course.student import build_student

    folder = find_notebooks_dir(args.notebooks)
    list_notebooks(folder)  # an error when the folder holds no course notebooks
    written = build_student(folder, args.out)
    print(f"{len(written)} student notebook(s) in {args.out}")
    return 0
