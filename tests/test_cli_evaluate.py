"""End-to-end tests of ``vidgen-edu evaluate``: a real (tiny) checkpoint in, one JSON object out."""

from __future__ import annotations

import json

import pytest

from vidgen_edu.cli import main


@pytest.fixture(scope="module")
def conditional_run(tmp_path_factory):
    """A conditional MoCoGAN trained for 2 steps on 16 px Moving Digits (smoke preset)."""
    from vidgen_edu.training import RunConfig, train

    run = RunConfig.from_preset(
        "smoke",
        {
            "model.num_classes": 10,
            "train.steps": 2,
            "train.checkpoint_every": 2,
            "train.sample_every": 100,
        },
    )
    run_dir = tmp_path_factory.mktemp("run") / "cond"
    train(run_dir, run, progress=False)
    return run_dir


def test_evaluate_prints_one_json_object(conditional_run, capsys):
    status = main(
        [
            "evaluate",
            "--checkpoint",
            str(conditional_run / "last.pt"),
            "--n",
            "24",
            "--seed",
            "1",
            "--json",
        ]
    )
    out = capsys.readouterr().out.strip()
    assert status == 0 and len(out.splitlines()) == 1
    result = json.loads(out)
    for key in (
        "fvd_proxy",
        "real_floor",
        "acd",
        "acd_real",
        "motion",
        "motion_real",
        "class_accuracy",
    ):
        assert isinstance(result[key], float) and result[key] >= 0, key
    assert result["n"] == 24 and result["seed"] == 1
    assert result["data_spec"]["size"] == 16
    assert result["fvd_proxy"] > result["real_floor"]  # two steps of training is far from data


def test_evaluate_is_repeatable_for_a_seed(conditional_run, capsys):
    argv = ["evaluate", "--checkpoint", str(conditional_run), "--n", "8", "--json"]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == first


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--checkpoint", "{tmp}/missing.pt"], "does not exist"),
        (["--checkpoint", "{tmp}/garbage.pt"], "not a readable checkpoint"),
        (["--checkpoint", "{run}/last.pt", "--n", "1"], "--n: 1 is outside 2..8192"),
    ],
)
def test_bad_input_exits_2_with_one_line(conditional_run, tmp_path, capsys, argv, message):
    (tmp_path / "garbage.pt").write_bytes(b"not a checkpoint")
    argv = [a.format(tmp=tmp_path, run=conditional_run) for a in argv]
    assert main(["evaluate", *argv, "--json"]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        len(err.splitlines()) == 1
        and message in err
        and err.startswith("vidgen-edu evaluate: error:")
    )
