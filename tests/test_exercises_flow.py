"""Notebook 05's exercises: learner-style solutions pass, plausible mistakes fail with the hint,
and the questions accept their letter only."""

import math

import pytest
import torch

import vidgen_edu.exercises.flow  # noqa: F401  (registers the exercises)
from vidgen_edu.exercises import ExerciseFailed, check, get
from vidgen_edu.exercises.core import run_cases


def path(x0, noise, t):
    t = t.view(-1, *[1] * (x0.dim() - 1))
    return x0 + t * (noise - x0)


def loss(v, x0, noise):
    return torch.nn.functional.mse_loss(v, noise - x0)


def guided(v_cond, v_null, w):
    return w * v_cond + (1 - w) * v_null


def to_score(v, x_t, t):
    return (-x_t - (1 - t) * v) / t


def euler(x1, a, b, steps):
    x, dt = x1, 1.0 / steps
    for k in range(steps):
        t = 1.0 - k * dt
        x = x - dt * (a * x + b * t)
    return x


def heun(x1, a, b, steps):
    x, dt = x1, 1.0 / steps
    for k in range(steps):
        t = 1.0 - k * dt
        k1 = a * x + b * t
        x_e = x - dt * k1
        x = x_e if k == steps - 1 else x - dt / 2 * (k1 + a * x_e + b * (t - dt))
    return x


def heun_to_the_end(x1, a, b, steps):
    """A mistake: the trapezoid on the last step too (the field is then asked for t = 0)."""
    x, dt = x1, 1.0 / steps
    for k in range(steps):
        t = 1.0 - k * dt
        k1 = a * x + b * t
        x = x - dt / 2 * (k1 + a * (x - dt * k1) + b * (t - dt))
    return x


def euler_time_forwards(x1, a, b, steps):
    """A mistake: the field is evaluated at times 0, 1/steps, ... instead of 1, 1 - 1/steps, ..."""
    x, dt = x1, 1.0 / steps
    for k in range(steps):
        x = x - dt * (a * x + b * (k * dt))
    return x


def cosine(x0, noise, t):
    h = math.pi / 2
    t = t[:, None]
    return h * (torch.cos(h * t) * noise - torch.sin(h * t) * x0)


@pytest.mark.parametrize(
    "name, fn",
    [
        ("rectified_path", path),
        ("cfm_loss", loss),
        ("cfg_velocity", guided),
        ("velocity_to_score", to_score),
        ("euler_integrate", euler),
        ("nb05_heun_integrate", heun),
        ("nb05_cosine_velocity", cosine),
    ],
)
def test_learner_solution_passes(name, fn):
    assert run_cases(name, fn) >= 3


@pytest.mark.parametrize(
    "name, wrong",
    [
        ("rectified_path", lambda x0, n, t: (1 - t[0]) * x0 + t[0] * n),  # one t for all clips
        ("cfm_loss", lambda v, x0, n: ((v - (x0 - n)) ** 2).mean()),  # the sign of the target
        ("cfg_velocity", lambda c, u, w: c + w * (c - u)),  # starts from the conditional
        ("velocity_to_score", lambda v, x, t: -(x + t * v) / t),  # eps = x_t + t v
        ("euler_integrate", euler_time_forwards),
        ("nb05_heun_integrate", heun_to_the_end),
        ("nb05_heun_integrate", euler),  # no correction at all
        # the chain rule forgotten: the derivative without its factor pi / 2
        (
            "nb05_cosine_velocity",
            lambda x0, n, t: (
                torch.cos(math.pi / 2 * t[:, None]) * n - torch.sin(math.pi / 2 * t[:, None]) * x0
            ),
        ),
        # the straight path's velocity, not the cosine path's
        ("nb05_cosine_velocity", lambda x0, n, t: n - x0),
    ],
)
def test_wrong_answer_fails_with_hint(name, wrong):
    with pytest.raises(ExerciseFailed, match="hint"):
        check(name, wrong, quiet=True)


@pytest.mark.parametrize("name", ["nb05_loss_plateau", "nb05_guidance"])
def test_questions_take_one_letter_and_never_tell_it(name):
    right = get(name).reference()
    check(name, lambda: right, quiet=True)
    for letter in "abcd".replace(right, ""):
        with pytest.raises(ExerciseFailed) as info:
            check(name, lambda letter=letter: letter, quiet=True)
        assert f"'{right}'" not in str(info.value) and get(name).hint in str(info.value)
    with pytest.raises(ExerciseFailed, match="one letter"):
        check(name, lambda: "b and c", quiet=True)
