"""``vidgen-edu course``: run the notebooks with papermill; write index.html and report.json.

Exit status 0 when every notebook ran, 1 when one failed (one line per failure on stderr, naming
the notebook, the failing cell and the exception), 2 for bad input (an unknown --only name, an
--out folder that is, holds or lies in the notebooks folder, or holds notebooks it did not write).
Each code cell is printed as it starts, and a long one every 10 s while it runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        default="auto",
        help="smoke, cpu, gpu or auto (default; VIDGEN_EDU_PROFILE overrides)",
    )
    parser.add_argument(
        "--out",
        default="build/course",
        type=Path,
        help="the course folder to write (default: build/course)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help="run only these notebooks: a stem (00_overview) or a prefix (00)",
    )
    parser.add_argument(
        "--notebooks",
        type=Path,
        default=None,
        help="the notebooks folder (default: ./notebooks, else the repository's)",
    )


def run(args: argparse.Namespace) -> int:
    from vidgen_edu.course.runner import (
        check_out_folder,
        find_notebooks_dir,
        list_notebooks,
        run_course,
        select_notebooks,
    )
    from vidgen_edu.profiles import resolve_profile

    folder = find_notebooks_dir(args.notebooks)
    chosen = select_notebooks(list_notebooks(folder), args.only)
    out = args.out.resolve()
    check_out_folder(out, chosen)  # before anything is written
    profile = resolve_profile(args.profile)  # after the checks above: "auto" imports torch
    print(f"running {len(chosen)} notebook(s) from {folder} with profile {profile!r} into {out}")
    results = run_course(chosen, out, profile=profile, cwd=folder)
    failed = [r for r in results if r.status != "ok"]
    print(f"index: {out / 'index.html'}  report: {out / 'report.json'}")
    for r in failed:
        print(f"vidgen-edu course: {r.name} failed: {r.error}", file=sys.stderr)
    return 1 if failed else 0
