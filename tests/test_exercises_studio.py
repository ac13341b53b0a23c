"""Notebook 07's exercises: learner-style solutions pass, plausible mistakes fail with the hint,
and the questions accept their letter only."""

import math

import numpy as np
import pytest
import torch

import vidgen_edu.exercises.studio  # noqa: F401  (registers the exercises)
from vidgen_edu.exercises import ExerciseFailed, check, get
from vidgen_edu.exercises.core import run_cases


def slerp(a, b, t):
    cos = float((a * b).sum() / (a.norm() * b.norm()))
    omega = math.acos(max(-1.0, min(1.0, cos)))
    if omega < 1e-6:
        return (1 - t) * a + t * b
    return (math.sin((1 - t) * omega) * a + math.sin(t * omega) * b) / math.sin(omega)


def lerp_norm(d, a):
    return math.sqrt(d) * math.hypot(1 - a, a)


def frame_rate(frames, fps_in, fps_out):
    out = []
    for j in range(len(frames) * fps_out // fps_in):
        out.append(frames[j * fps_in // fps_out])
    return np.stack(out)


def clip_velocity(clip):
    grey = clip.astype(np.float64).mean(-1) / 255  # (T, H, W)
    rows, cols = np.mgrid[: grey.shape[1], : grey.shape[2]]
    mass = grey.sum((1, 2))
    x, y = (grey * cols).sum((1, 2)) / mass, (grey * rows).sum((1, 2)) / mass
    t = np.arange(len(clip))
    return np.polyfit(t, x, 1)[0], np.polyfit(t, y, 1)[0]


@pytest.mark.parametrize(
    "name, fn",
    [
        ("nb07_slerp", slerp),
        ("nb07_lerp_norm", lerp_norm),
        ("nb07_frame_rate", frame_rate),
        ("nb07_clip_velocity", clip_velocity),
    ],
)
def test_learner_solution_passes(name, fn):
    assert run_cases(name, fn) >= 4


def slerp_without_the_parallel_case(a, b, t):
    omega = torch.arccos((a * b).sum() / (a.norm() * b.norm()))
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


def frame_rate_by_rounding(frames, fps_in, fps_out):
    n = round(len(frames) * fps_out / fps_in)
    index = np.minimum(np.round(np.arange(n) * fps_in / fps_out).astype(int), len(frames) - 1)
    return frames[index]


@pytest.mark.parametrize(
    "name, wrong",
    [
        ("nb07_slerp", lambda a, b, t: (1 - t) * a + t * b),  # a straight line
        ("nb07_slerp", slerp_without_the_parallel_case),  # 0 / 0 when a and b are parallel
        ("nb07_lerp_norm", lambda d, a: math.sqrt(d) * ((1 - a) + a)),  # norms do not add
        ("nb07_lerp_norm", lambda d, a: d * ((1 - a) ** 2 + a**2)),  # the square, not the norm
        ("nb07_frame_rate", frame_rate_by_rounding),  # nearest frame instead of sample and hold
        ("nb07_frame_rate", lambda f, i, o: f[:: max(1, i // o)]),  # drops only, never repeats
        ("nb07_clip_velocity", lambda c: clip_velocity(c)[::-1]),  # (vy, vx)
        ("nb07_clip_velocity", lambda c: tuple(v * len(c) for v in clip_velocity(c))),
    ],
)
def test_wrong_answer_fails_with_hint(name, wrong):
    with pytest.raises(ExerciseFailed, match="hint"):
        check(name, wrong, quiet=True)


@pytest.mark.parametrize("name", ["nb07_flat_slider", "nb07_more_frames"])
def test_questions_take_one_letter_and_never_tell_it(name):
    right = get(name).reference()
    check(name, lambda: right, quiet=True)
    for letter in "abcd".replace(right, ""):
        with pytest.raises(ExerciseFailed) as info:
            check(name, lambda letter=letter: letter, quiet=True)
        assert f"'{right}'" not in str(info.value) and get(name).hint in str(info.value)
