"""The ``vidgen-edu`` command: one subcommand per module in this package.

Each subcommand module defines ``add_arguments(parser)`` and ``run(args) -> int``. Errors reach
the user as one readable line on stderr (a traceback only with ``--debug``): exit status 2 for bad
input (``UsageError``, ``VideoError``, ``ValueError``, ``KeyError``, ``FileNotFoundError``), 1 for a
failure while running.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# subcommand -> (module, one-line help); the modules are imported only when needed.
COMMANDS = {
    "course": ("vidgen_edu.cli.course", "run the notebooks with papermill; write index.html and report.json"),
    "student": ("vidgen_edu.cli.student", "write the student notebooks (solutions replaced by stubs)"),
    "train": ("vidgen_edu.cli.train", "train a video model on a dataset"),
    "generate": ("vidgen_edu.cli.generate", "generate clips from a checkpoint (or the shipped pretrained model)"),
    "evaluate": ("vidgen_edu.cli.evaluate", "FVD proxy, content consistency and motion of a checkpoint, as JSON"),
}


class UsageError(Exception):
    """Bad input from the user: the message says what was wrong and what to do."""


BAD_INPUT = (UsageError, ValueError, KeyError, FileNotFoundError)


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
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="show the full traceback on errors")
        if name in wanted:  # import only the subcommand being run (all of them for --help)
            try:
                importlib.import_module(module_name).add_arguments(p)
            except ModuleNotFoundError as err:
                if err.name != module_name:
                    raise
    return parser


def _bad_input_types() -> tuple[type, ...]:
    """BAD_INPUT and VideoError. A VideoError can only have been raised if its module is loaded:
    looking it up in sys.modules spares an error message the import of torch (seconds)."""
    errors = sys.modules.get("vidgen_edu.video.errors")
    return (*BAD_INPUT, errors.VideoError) if errors else BAD_INPUT


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parser(argv).parse_args(argv)
    module_name = COMMANDS[args.command][0]
    try:
        return int(importlib.import_module(module_name).run(args) or 0)
    except KeyboardInterrupt:
        print("vidgen-edu: interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        if args.debug:
            raise
        status = 2 if isinstance(err, _bad_input_types()) else 1
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        message = " ".join(str(message).split()) or type(err).__name__  # one line, never empty
        print(f"vidgen-edu {args.command}: error: {message}", file=sys.stderr)
        return status


if __name__ == "__main__":
    sys.exit(main())
