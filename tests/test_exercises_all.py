"""Every registered exercise: the reference passes, a stub and a wrong answer fail informatively."""

import inspect

import numpy as np
import pytest
import torch

from vidgen_edu import exercises
from vidgen_edu.exercises import ExerciseFailed, check, get, names
from vidgen_edu.exercises.core import run_cases

# The course's own exercises (other tests register fixture exercises in the same registry).
COURSE = [n for n in names() if (get(n).reference.__module__ or "").startswith("vidgen_edu.")]


def test_the_course_has_exercises_for_every_notebook_with_theory():
    assert len(COURSE) >= 15


@pytest.mark.parametrize("name", COURSE)
def test_reference_passes(name):
    assert run_cases(name, get(name).reference) > 0


@pytest.mark.parametrize("name", COURSE)
def test_stub_fails_with_the_hint(name):
    def stub(*args, **kwargs):
        raise NotImplementedError("your code here")

    with pytest.raises(ExerciseFailed, match="not implemented") as info:
        check(name, stub, quiet=True)
    assert get(name).hint in str(info.value)


def _perturb(value):
    """Off by 3: beyond every exercise's tolerance (the widest, gamma_correct's, is 1 grey level)."""
    if isinstance(value, torch.Tensor):
        return value.double() + 3.0 if value.dtype.is_floating_point else value + 3
    if isinstance(value, np.ndarray):
        return value.astype(np.float64) + 3.0
    if isinstance(value, (tuple, list)):
        return type(value)(_perturb(v) for v in value)
    if isinstance(value, bool):
        return not value
    return value + 3


@pytest.mark.parametrize("name", COURSE)
def test_wrong_answer_is_caught_without_showing_the_reference(name):
    reference = get(name).reference
    if get(name).choices:  # a question: another letter is wrong, and the right one stays hidden
        right = reference()
        other = next(c for c in get(name).choices if c != right)
        with pytest.raises(ExerciseFailed, match="think again") as info:
            check(name, lambda: other, quiet=True)
        assert repr(right) not in str(info.value)
        return

    def wrong(*args, **kwargs):
        return _perturb(reference(*args, **kwargs))

    with pytest.raises(ExerciseFailed, match="wrong answer") as info:
        check(name, wrong, quiet=True)
    message = str(info.value)
    assert "expected:" in message and "got:" in message
    lines = [line.strip() for line in inspect.getsource(reference).splitlines()]
    body = next(line for line in reversed(lines) if len(line) > 8)  # not a lone ")"
    assert body not in message


def test_unknown_exercise_names_the_known_ones():
    with pytest.raises(KeyError, match="known exercises"):
        exercises.get("no_such_exercise")
