"""The ``vidgen-edu`` dispatch: bad input is exit 2 with one line, a failure exit 1, --debug a traceback.

Most tests run ``main`` in this process on a throwaway subcommand the test registers (fast);
two run the real command in a subprocess, as a user would.
"""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

import vidgen_edu.cli as cli
from vidgen_edu.video.errors import VideoError

RAISES = {
    "usage": cli.UsageError("--thing 'x' is unknown; use one of a, b"),
    "value": ValueError("expected a positive number, got -1"),
    "key": KeyError("no model called 'x'; known models: mocogan, vgan, vae"),
    "missing": FileNotFoundError("no checkpoint at run/last.pt; train first"),
    "video": VideoError("cannot read 'clip.mp4': not a video file"),
    "runtime": RuntimeError("training diverged at step 12:\nloss is nan"),
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


@pytest.mark.parametrize("kind", ["usage", "value", "key", "missing", "video"])
def test_bad_input_is_exit_2_with_one_line(fake_command, kind, capsys):
    assert cli.main(["fake", "--raise", kind]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("vidgen-edu fake: error: "), err
    message = RAISES[kind].args[0]
    assert message in err  # KeyError's message without its quotes
    assert "Traceback" not in err


def test_failure_while_running_is_exit_1_with_one_line(fake_command, capsys):
    assert cli.main(["fake", "--raise", "runtime"]) == 1
    err = capsys.readouterr().err
    assert err == "vidgen-edu fake: error: training diverged at step 12: loss is nan\n"


def test_run_status_is_the_exit_status(fake_command):
    assert cli.main(["fake"]) == 0
    assert cli.main(["fake", "--status", "3"]) == 3


@pytest.mark.parametrize("argv", [["--debug", "fake", "--raise", "runtime"],
                                  ["fake", "--raise", "value", "--debug"]])
def test_debug_shows_the_traceback(fake_command, argv):
    kind = argv[argv.index("--raise") + 1]
    with pytest.raises(type(RAISES[kind])):
        cli.main(argv)


@pytest.mark.parametrize("argv", [["nope"], ["fake", "--bogus"], ["fake", "--status", "x"], []])
def test_argument_errors_are_exit_2_with_one_line(fake_command, argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err and "--help" in err, err


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for name in cli.COMMANDS:
        assert name in out


def test_real_command_bad_input_and_debug_in_a_subprocess(tmp_path, monkeypatch):
    monkeypatch.delenv("VIDGEN_EDU_PROFILE", raising=False)  # it would override --profile
    (tmp_path / "00_empty.ipynb").write_text("{}")  # never run: the profile is rejected first
    command = [sys.executable, "-m", "vidgen_edu"]
    proc = subprocess.run([*command, "course", "--profile", "fast", "--notebooks", str(tmp_path)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "unknown profile 'fast'" in proc.stderr, proc.stderr
    proc = subprocess.run([*command, "--debug", "course", "--profile", "fast", "--notebooks", str(tmp_path)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback (most recent call last)" in proc.stderr
    assert "ValueError: unknown profile 'fast'" in proc.stderr
