"""The ``vidgen-edu`` command: one subcommand per module in this package.

Each subcommand module defines ``add_arguments(parser)`` and ``run(args) -> int``. Errors reach
the user as one readable line on stderr (a traceback only with ``--debug``): a
``vidgen_edu.errors.VidgenError`` is the user's to fix and exits with its ``exit_status`` (2 for bad
input, 1 for a run that failed for a stated reason); anything else is a bug in vidgen_edu, reported
as an internal error (exit 1) with the advice to rerun with ``--debug``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

from vidgen_edu.errors import UsageError, VidgenError

__all__ = ["UsageError", "int_in", "main"]

# subcommand -> (module, one-line help); the modules are imported only when needed.
COMMANDS = {
    "course": (
        "vidgen_edu.cli.course",
        "run the notebooks with papermill; write index.html and report.json",
    ),
    "student": (
        "vidgen_edu.cli.student",
        "write the student notebooks (solutions replaced by stubs)",
    ),
    "train": ("vidgen_edu.cli.train", "train a video model on a dataset"),
    "generate": (
        "vidgen_edu.cli.generate",
        "generate clips from a checkpoint (or the shipped pretrained model)",
    ),
    "evaluate": (
        "vidgen_edu.cli.evaluate",
        "FVD proxy, content consistency and motion of a checkpoint, as JSON",
    ),
    "dp-train": (
        "vidgen_edu.cli.dp_train",
        "train the video GAN with differential privacy (Opacus) within a budget",
    ),
    "audit": (
        "vidgen_edu.cli.audit",
        "membership-inference audit of a run trained on a fixed set, as JSON",
    ),
}


def int_in(low: int, high: int):
    """An argparse type: a whole number in ``[low, high]``, else a one-line error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is outside {low}..{high}")
        return value

    return parse


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (argparse's own prints the usage first)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser(argv: list[str]) -> argparse.ArgumentParser:
    parser = _Parser(prog="vidgen-edu", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    wanted = [a for a in argv if a in COMMANDS][:1] or list(COMMANDS)
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        # --debug is accepted after the subcommand too; SUPPRESS keeps the top-level value otherwise
        p.add_argument(
            "--debug",
            action="store_true",
            default=argparse.SUPPRESS,
            help="show the full traceback on errors",
        )
        if name in wanted:  # import only the subcommand being run (all of them for --help)
            try:
                importlib.import_module(module_name).add_arguments(p)
            except ModuleNotFoundError as err:
                if err.name != module_name:
                    raise
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = _parser(argv).parse_args(argv)
    except SystemExit as done:  # --help (0), or argparse's one-line error (2)
        return int(done.code or 0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        status = _run(args)
    if status == 0:  # after an error, its one line is all the user needs to read
        for w in caught:
            print(f"vidgen-edu {args.command}: warning: {w.message}", file=sys.stderr)
    return status


def _run(args) -> int:
    """Run the subcommand; turn every exception into one line and an exit status."""
    module_name = COMMANDS[args.command][0]
    try:
        return int(importlib.import_module(module_name).run(args) or 0)
    except KeyboardInterrupt as err:
        print(f"vidgen-edu {args.command}: {err or 'interrupted'}", file=sys.stderr)
        return 130
    except VidgenError as err:
        if args.debug:
            raise
        message = " ".join(str(err).split()) or type(err).__name__  # one line, never empty
        print(f"vidgen-edu {args.command}: error: {message}", file=sys.stderr)
        return err.exit_status
    except Exception as err:
        if args.debug:
            raise
        detail = " ".join(f"{type(err).__name__}: {err}".split())[:300]
        print(
            f"vidgen-edu {args.command}: internal error ({detail}); this is a bug in "
            "vidgen-edu: rerun with --debug and report the traceback",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
