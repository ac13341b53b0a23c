"""`vidgen-edu train` and `generate`: runs, outputs, and one-line errors for bad input."""

import numpy as np
import pytest
from tiny import SMOKE_MOCOGAN

from vidgen_edu.cli import main
from vidgen_edu.training import checkpoint

SMOKE = [
    "train",
    *SMOKE_MOCOGAN,
    "--steps",
    "3",
    "--sample-every",
    "0",
    "--no-progress",
]


def run_cli(capsys, *argv):
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def one_line_error(err, *needles):
    assert len(err.strip().splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err


@pytest.fixture(scope="module")
def conditional_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    assert main([*SMOKE, "--conditional", "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize(
    "argv,needles",
    [
        (["--model", "tgan", "--dataset", "moving-digits"], ["name='tgan'", "mocogan"]),
        (["--model", "vgan", "--dataset", "moving-pixels"], ["moving-pixels", "moving-digits"]),
        (["--model", "vgan", "--dataset", "moving-digits", "--steps", "0"], ["steps=0", ">= 1"]),
        (["--model", "vae", "--dataset", "moving-digits", "--preset", "huge"], ["unknown preset"]),
    ],
)
def test_train_bad_input_exits_2(capsys, tmp_path, argv, needles):
    status, _, err = run_cli(capsys, "train", *argv, "--out", str(tmp_path / "r"))
    assert status == 2
    one_line_error(err, *needles)
    assert not (tmp_path / "r" / "last.pt").exists()


def test_train_writes_a_run_and_refuses_to_overwrite(capsys, conditional_run):
    assert (conditional_run / "last.pt").exists() and (conditional_run / "metrics.jsonl").exists()
    status, _, err = run_cli(capsys, *SMOKE, "--out", str(conditional_run))
    assert status == 2
    one_line_error(err, "already holds a run", "resume")


def test_resume_without_a_run_exits_2(capsys, tmp_path):
    status, _, err = run_cli(capsys, "train", "--out", str(tmp_path / "none"), "--resume")
    assert status == 2
    one_line_error(err, "cannot resume", "holds no run")


def test_divergence_exits_1(capsys, tmp_path):
    status, _, err = run_cli(
        capsys, *SMOKE, "--debug-poison-step", "2", "--out", str(tmp_path / "r")
    )
    assert status == 1
    one_line_error(err, "diverged at step 2", "discriminator loss is nan")


def test_generate_npy_and_video(capsys, tmp_path, conditional_run):
    out = tmp_path / "clips.npy"
    args = ["generate", "--checkpoint", str(conditional_run / "last.pt"), "--n", "3", "--seed", "4"]
    assert run_cli(capsys, *args, "--out", str(out))[0] == 0
    clips = np.load(out)
    assert clips.dtype == np.uint8 and clips.shape == (3, 8, 16, 16, 1)
    again = tmp_path / "again.npy"
    assert run_cli(capsys, *args, "--out", str(again))[0] == 0
    assert np.array_equal(np.load(again), clips)  # same seed, same clips
    assert run_cli(capsys, *args, "--label", "3", "--out", str(again))[0] == 0
    assert not np.array_equal(np.load(again), clips)
    gif = tmp_path / "clips.gif"
    assert run_cli(capsys, *args, "--out", str(gif))[0] == 0
    from vidgen_edu.video import read_video

    frames = read_video(gif)
    assert frames.shape[0] == 8 and frames.shape[2] > 16  # the 3 clips tiled side by side


@pytest.mark.parametrize(
    "extra,needles",
    [
        (["--out", "x.avi"], ["x.avi", ".mp4"]),
        (["--out", "x.npy", "--n", "0"], ["--n", "outside 1..1000000"]),
        (["--out", "x.npy", "--label", "10"], ["--label 10", "0..9"]),
    ],
)
def test_generate_bad_input_exits_2(capsys, tmp_path, conditional_run, extra, needles):
    status, _, err = run_cli(capsys, "generate", "--checkpoint", str(conditional_run), *extra)
    assert status == 2
    one_line_error(err, *needles)


def test_generate_missing_checkpoints_exit_2(capsys, tmp_path, monkeypatch):
    status, _, err = run_cli(
        capsys,
        "generate",
        "--checkpoint",
        str(tmp_path / "no.pt"),
        "--out",
        str(tmp_path / "x.npy"),
    )
    assert status == 2
    one_line_error(err, "no.pt", "does not exist")
    monkeypatch.setattr(checkpoint, "ALIASES", {"pretrained": "missing_model.pt"})
    monkeypatch.setattr("vidgen_edu.assets.MANIFEST", tmp_path / "manifest.json")
    (tmp_path / "manifest.json").write_text('{"missing_model.pt": {"sha256": "00"}}')
    status, _, err = run_cli(
        capsys, "generate", "--checkpoint", "pretrained", "--out", str(tmp_path / "x.npy")
    )
    assert status == 2
    one_line_error(err, "missing_model.pt is missing", "reinstall")


def test_generate_label_on_unconditional_model_exits_2(capsys, tmp_path):
    run = tmp_path / "u"
    assert run_cli(capsys, *SMOKE, "--steps", "1", "--out", str(run))[0] == 0
    status, _, err = run_cli(
        capsys,
        "generate",
        "--checkpoint",
        str(run),
        "--label",
        "1",
        "--out",
        str(tmp_path / "x.npy"),
    )
    assert status == 2
    one_line_error(err, "unconditional")
