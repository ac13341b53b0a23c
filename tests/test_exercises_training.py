"""Notebook 04's exercises: learner-style solutions pass, stubs and wrong answers fail."""

import math

import pytest
import torch

import vidgen_edu.exercises.training  # noqa: F401  (registers the exercises)
from vidgen_edu.exercises import ExerciseFailed, check
from vidgen_edu.exercises.core import run_cases


def hinge(real, fake):
    return torch.clamp(1 - real, min=0).mean() + torch.clamp(1 + fake, min=0).mean(), -fake.mean()


def change(video):
    return (video[:, :, 1:] - video[:, :, :-1]).abs().mean().item()


def ema(avg, w, decay):
    return avg + (1 - decay) * (w - avg)


def frechet(mu1, var1, mu2, var2):
    return (mu1 - mu2) ** 2 + (math.sqrt(var1) - math.sqrt(var2)) ** 2


def augment(video, flip, shift):
    out = video[..., torch.arange(video.shape[-1] - 1, -1, -1)] if flip else video
    return torch.cat([out[..., -shift:], out[..., :-shift]], -1) if shift % out.shape[-1] else out


@pytest.mark.parametrize(
    "name, fn",
    [
        ("hinge_losses", hinge),
        ("frame_change", change),
        ("ema_update", ema),
        ("frechet_1d", frechet),
        ("clip_augment", augment),
    ],
)
def test_learner_solution_passes(name, fn):
    assert run_cases(name, fn) >= 4


@pytest.mark.parametrize(
    "name, wrong",
    [
        ("hinge_losses", lambda r, f: (torch.relu(1 - r).mean() + torch.relu(f).mean(), -f.mean())),
        ("frame_change", lambda v: (v[:, :, 1:] - v[:, :, :-1]).mean().item()),
        ("ema_update", lambda a, w, d: (1 - d) * a + d * w),
        ("frechet_1d", lambda m1, v1, m2, v2: (m1 - m2) ** 2 + (v1 - v2) ** 2),
        ("clip_augment", lambda v, flip, shift: torch.roll(v.flip(-2) if flip else v, shift, -1)),
    ],
)
def test_wrong_answer_fails_with_hint(name, wrong):
    with pytest.raises(ExerciseFailed, match="hint"):
        check(name, wrong, quiet=True)


def test_stub_says_not_implemented():
    def stub(*args):
        raise NotImplementedError("your code here")

    with pytest.raises(ExerciseFailed, match="not implemented"):
        check("ema_update", stub, quiet=True)


@pytest.mark.parametrize("name", ["nb04_one_frame_video_d", "nb04_diagnose_report"])
def test_questions_take_one_letter_and_never_tell_the_right_one(name):
    check(name, lambda: "b", quiet=True)  # the registered answer
    for wrong in "acd":
        with pytest.raises(ExerciseFailed, match="Hint") as info:
            check(name, lambda w=wrong: w, quiet=True)
        assert "'b'" not in str(info.value)
    with pytest.raises(ExerciseFailed, match="one letter"):
        check(name, lambda: "maybe", quiet=True)
