"""Notebook 06's exercises: learner-style solutions pass, stubs and wrong answers fail."""

import math

import pytest
import torch

import vidgen_edu.exercises.privacy  # noqa: F401  (registers the exercises)
from vidgen_edu.exercises import ExerciseFailed, check, get
from vidgen_edu.exercises.core import run_cases


def clip(grads, c):
    out = grads.clone()
    for i, row in enumerate(grads):
        n = float(row.norm())
        if n > c:
            out[i] = row * (c / n)
    return out


def sigma(eps, delta, sens):
    return sens * (2 * math.log(1.25 / delta)) ** 0.5 / eps


def update(grads, c, s, expected, xi):
    return (clip(grads, c).sum(dim=0) + s * c * xi) / expected


def audit_eps(tpr, fpr, delta):
    return max(0.0, math.log((tpr - delta) / fpr)) if tpr > delta else 0.0


@pytest.mark.parametrize(
    "name, fn",
    [
        ("nb06_clip_per_sample", clip),
        ("nb06_gaussian_sigma", sigma),
        ("nb06_dp_sgd_update", update),
        ("nb06_audit_epsilon", audit_eps),
        ("nb06_batch_doubles", lambda: "c"),
        ("nb06_double_charged", lambda: "b"),
    ],
)
def test_a_learners_own_solution_passes(name, fn):
    assert run_cases(name, fn) >= 1


@pytest.mark.parametrize(
    "name, fn, words",
    [
        # clipping every gradient to norm exactly C (scaling short ones up) is the classic slip
        (
            "nb06_clip_per_sample",
            lambda g, c: g * (c / g.norm(dim=1, keepdim=True)),
            "wrong answer",
        ),
        ("nb06_gaussian_sigma", lambda e, d, s: s * math.sqrt(2 * math.log(1 / d)) / e, "wrong"),
        # dividing by the batch actually drawn leaks its size, and breaks on an empty batch
        (
            "nb06_dp_sgd_update",
            lambda g, c, s, n, xi: (clip(g, c).sum(0) + s * c * xi) / max(len(g), 1),
            "wrong answer",
        ),
        ("nb06_audit_epsilon", lambda t, f, d: math.log(t / f), "wrong answer"),
        ("nb06_batch_doubles", lambda: "b", "think again"),
        ("nb06_double_charged", lambda: "a", "think again"),
    ],
)
def test_a_wrong_answer_fails_with_the_hint(name, fn, words):
    with pytest.raises(ExerciseFailed, match=words) as err:
        check(name, fn)
    assert get(name).hint in str(err.value)


def test_a_wrong_letter_never_prints_the_right_one():
    for name in ("nb06_batch_doubles", "nb06_double_charged"):
        right = get(name).reference()
        for letter in "abcd":
            if letter == right:
                continue
            with pytest.raises(ExerciseFailed) as err:
                check(name, lambda letter=letter: letter)
            assert f"'{right}'" not in str(err.value)


def test_a_stub_is_reported_as_not_implemented():
    def stub(*args):
        raise NotImplementedError

    with pytest.raises(ExerciseFailed, match="not implemented"):
        check("nb06_dp_sgd_update", stub)


def test_the_update_divides_by_the_expected_batch_even_when_the_sample_is_empty():
    xi = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    got = vidgen_edu.exercises.privacy.dp_sgd_update(
        torch.zeros(0, 3, dtype=torch.float64), 1.0, 2.0, 4.0, xi
    )
    assert torch.allclose(got, 2.0 * xi / 4.0)
