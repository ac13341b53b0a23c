"""The ``vidgen-edu`` dispatch: bad input is exit 2 with one line, a bug exit 1, --debug a traceback.

Only ``vidgen_edu.errors.VidgenError`` is the user's bad input; any other exception is a bug in
vidgen-edu and must say so (not blame the user).

Most tests run ``main`` in this process on a throwaway subcommand the test registers (fast);
two run the real command in a subprocess, as a user would.
"""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

import vidgen_edu.cli as cli
from vidgen_edu import errors

RAISES = {
    "usage": cli.UsageError("--thing 'x' is unknown; use one of a, b"),
    "config": errors.ConfigError("train config: steps=0: expected a whole number >= 1"),
    "checkpoint": errors.CheckpointError("run/last.pt: 'ema' is missing or not a state dict"),
    "folder": errors.RunFolderError("run is in use by another run (process 12)"),
    "video": errors.VideoError("cannot read 'clip.mp4': not a video file"),
    "diverged": errors.TrainingDiverged("training diverged at step 12:\nloss is nan"),
    "value": ValueError("expected a positive number, got -1"),
    "key": KeyError("lr"),
    "missing": FileNotFoundError("[Errno 2] No such file or directory: 'x'"),
}


@pytest.fixture
def fake_command(monkeypatch):
    """A subcommand ``fake --raise KIND`` that raises ``RAISES[KIND]``, or returns 0 or 3."""
    module = types.ModuleType("fake_cli_command")

    def add_arguments(parser):
        parser.add_argument("--raise", dest="kind", choices=[*RAISES, "none"], default="none")
        parser.add_argument("--status", type=int, default=0)

    def run(args):
        if args.kind != "none":
            raise RAISES[args.kind]
        return args.status

    module.add_arguments, module.run = add_arguments, run
    monkeypatch.setitem(sys.modules, "fake_cli_command", module)
    monkeypatch.setitem(cli.COMMANDS, "fake", ("fake_cli_command", "a test command"))


@pytest.mark.parametrize("kind", ["usage", "config", "checkpoint", "folder", "video"])
def test_bad_input_is_exit_2_with_one_line(fake_command, kind, capsys):
    assert cli.main(["fake", "--raise", kind]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("vidgen-edu fake: error: "), err
    assert RAISES[kind].args[0] in err
    assert "Traceback" not in err


def test_failure_while_running_is_exit_1_with_one_line(fake_command, capsys):
    assert cli.main(["fake", "--raise", "diverged"]) == 1
    err = capsys.readouterr().err
    assert err == "vidgen-edu fake: error: training diverged at step 12: loss is nan\n"


@pytest.mark.parametrize("kind", ["value", "key", "missing"])
def test_any_other_exception_is_a_bug_exit_1(fake_command, kind, capsys):
    assert cli.main(["fake", "--raise", kind]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error" in err and "--debug" in err, err
    assert type(RAISES[kind]).__name__ in err and "error: " not in err.split("(")[0]


def test_run_status_is_the_exit_status(fake_command):
    assert cli.main(["fake"]) == 0
    assert cli.main(["fake", "--status", "3"]) == 3


@pytest.mark.parametrize(
    "argv", [["--debug", "fake", "--raise", "diverged"], ["fake", "--raise", "value", "--debug"]]
)
def test_debug_shows_the_traceback(fake_command, argv):
    kind = argv[argv.index("--raise") + 1]
    with pytest.raises(type(RAISES[kind])):
        cli.main(argv)


@pytest.mark.parametrize("argv", [["nope"], ["fake", "--bogus"], ["fake", "--status", "x"], []])
def test_argument_errors_are_exit_2_with_one_line(fake_command, argv, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err and "--help" in err, err


def test_help_lists_every_command(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in cli.COMMANDS:
        assert name in out


def test_real_command_bad_input_and_debug_in_a_subprocess(tmp_path, monkeypatch):
    monkeypatch.delenv("VIDGEN_EDU_PROFILE", raising=False)  # it would override --profile
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "00_empty.ipynb").write_text("{}")  # never run: the profile is rejected first
    command = [sys.executable, "-m", "vidgen_edu"]
    proc = subprocess.run(
        [*command, "course", "--profile", "fast", "--notebooks", str(notebooks)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "unknown profile 'fast'" in proc.stderr, proc.stderr
    proc = subprocess.run(
        [*command, "--debug", "course", "--profile", "fast", "--notebooks", str(notebooks)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 1 and "Traceback (most recent call last)" in proc.stderr
    assert "ConfigError: unknown profile 'fast'" in proc.stderr


def test_warnings_are_not_printed_before_an_error_line(monkeypatch, capsys):
    import warnings

    module = types.ModuleType("warn_cli_command")
    module.add_arguments = lambda p: p.add_argument("--fail", action="store_true")

    def run(args):
        warnings.warn("a library grumbles", UserWarning, stacklevel=1)
        if args.fail:
            raise errors.ConfigError("train config: steps=0: expected a whole number >= 1")
        return 0

    module.run = run
    monkeypatch.setitem(sys.modules, "warn_cli_command", module)
    monkeypatch.setitem(cli.COMMANDS, "warn", ("warn_cli_command", "a test command"))
    assert cli.main(["warn", "--fail"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "steps=0" in err and "grumbles" not in err
    assert cli.main(["warn"]) == 0
    assert "warning: a library grumbles" in capsys.readouterr().err
