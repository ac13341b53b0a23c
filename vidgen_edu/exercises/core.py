"""Self-checks a learner calls on their own code.

An exercise is a reference function plus a generator of test cases. ``check(name, fn)`` runs the
learner's ``fn`` on every case, compares it with the reference and prints how many cases pass (it
returns None, so a notebook cell that ends with it shows no stray ``Out[n]``; ``run_cases`` returns
the count). On the first mismatch it raises
``ExerciseFailed`` with the input, the expected and the received values (summarised, so that the
answer is not printed in full) and a hint. It never shows the reference's code.

Exercises register themselves in the modules beside this one (``conv.py``, ``gan.py``, ...)::

    @exercise("conv_output_size", reference=conv_output_size,
              hint="floor((n + 2p - d(k-1) - 1) / s) + 1")
    def _cases(rng):
        for _ in range(20):
            yield (int(rng.integers(1, 40)), int(rng.integers(1, 6))), {}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

Cases = Callable[[np.random.Generator], Iterable[tuple[tuple, dict]]]


class ExerciseFailed(AssertionError):
    """The learner's function gave a wrong answer (or none) on a case; the message says which."""


@dataclass(frozen=True)
class Exercise:
    """One exercise: the reference, its cases, how results are compared, and a hint."""

    name: str
    reference: Callable[..., Any]
    cases: Cases
    hint: str
    rtol: float = 1e-5  # relative tolerance of the comparison
    atol: float = 1e-6  # absolute tolerance of the comparison
    choices: tuple[str, ...] = ()  # a question's options; a wrong choice is not told the right one


_REGISTRY: dict[str, Exercise] = {}


def exercise(
    name: str, *, reference: Callable, hint: str, rtol: float = 1e-5, atol: float = 1e-6
) -> Callable[[Cases], Cases]:
    """Register the decorated case generator as exercise ``name``."""

    def register(cases: Cases) -> Cases:
        if name in _REGISTRY:
            raise ValueError(f"exercise {name!r} is registered twice")
        _REGISTRY[name] = Exercise(name, reference, cases, hint, rtol, atol)
        return cases

    return register


def question(name: str, *, answer: str, choices: str, hint: str) -> None:
    """Register a question whose answer is one of the letters in ``choices`` (e.g. ``"abcd"``).

    The learner writes ``def answer(): return "b"``; ``check(name, answer)`` says right or wrong
    and, when wrong, gives the hint but never the right letter. Predict-before-running and
    diagnose-this-log exercises are questions: the cells after them run the experiment.
    """
    if answer not in choices:
        raise ValueError(f"question {name!r}: answer {answer!r} is not one of {choices!r}")

    def one_case(rng):
        yield (), {}

    if name in _REGISTRY:
        raise ValueError(f"exercise {name!r} is registered twice")
    _REGISTRY[name] = Exercise(name, lambda: answer, one_case, hint, choices=tuple(choices))


def normal(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> torch.Tensor:
    """A float64 tensor of normal samples (std ``scale``) from an exercise's case generator."""
    return torch.as_tensor(scale * rng.standard_normal(shape), dtype=torch.float64)


def names() -> list[str]:
    """The names of all registered exercises, sorted."""
    return sorted(_REGISTRY)


def get(name: str) -> Exercise:
    """The exercise called ``name``; an unknown name is an error that lists the known ones."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(
            f"no exercise called {name!r}; known exercises: {', '.join(names())}"
        ) from None


def check(name: str, learner_fn: Callable[..., Any], *, seed: int = 0, quiet: bool = False) -> None:
    """Run exercise ``name`` against ``learner_fn`` and print how many cases pass.

    Returns None, so that a notebook cell ending in ``check(...)`` shows only the message (use
    :func:`run_cases` for the count). Raises ``ExerciseFailed`` on the first case where the
    learner's answer differs from the reference, or where the learner's function raises.
    """
    passed = run_cases(name, learner_fn, seed=seed)
    if not quiet:
        print(f"{name}: right" if get(name).choices else f"{name}: all {passed} cases pass")


def run_cases(name: str, learner_fn: Callable[..., Any], *, seed: int = 0) -> int:
    """Run exercise ``name`` against ``learner_fn`` silently; return the number of cases passed.

    Raises ``ExerciseFailed`` as :func:`check` does.
    """
    ex = get(name)
    rng = np.random.default_rng(seed)
    passed = 0
    for args, kwargs in ex.cases(rng):
        expected = ex.reference(*_copy(args), **_copy(kwargs))
        try:
            got = learner_fn(*_copy(args), **_copy(kwargs))
        except NotImplementedError:
            raise ExerciseFailed(f"{name}: not implemented yet. Hint: {ex.hint}") from None
        except Exception as err:  # the learner's bug, reported as a failed case
            raise ExerciseFailed(
                f"{name}: your function raised {type(err).__name__}: {err}\n"
                f"  input: {_describe_call(args, kwargs)}\n  hint: {ex.hint}"
            ) from err
        if ex.choices:
            _check_choice(ex, got, expected)
            passed += 1
            continue
        problem = _mismatch(got, expected, ex.rtol, ex.atol)
        if problem:
            raise ExerciseFailed(
                f"{name}: wrong answer on case {passed + 1} ({problem})\n"
                f"  input:    {_describe_call(args, kwargs)}\n"
                f"  expected: {summarize(expected)}\n"
                f"  got:      {summarize(got)}\n"
                f"  hint: {ex.hint}"
            )
        passed += 1
    return passed


def _check_choice(ex: Exercise, got: Any, expected: str) -> None:
    """A question's answer: one of its letters, and the right one (which is never printed)."""
    options = ", ".join(ex.choices)
    if not isinstance(got, str) or got.strip().lower() not in ex.choices:
        raise ExerciseFailed(f"{ex.name}: answer with one letter of {options}, got {got!r}")
    if got.strip().lower() != expected:
        raise ExerciseFailed(
            f"{ex.name}: not {got.strip().lower()!r}; think again. Hint: {ex.hint}"
        )


def _copy(value: Any) -> Any:
    """A deep copy of tensors and arrays, so a function that mutates its input cannot cheat."""
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def _mismatch(got: Any, expected: Any, rtol: float, atol: float) -> str:
    """Why ``got`` differs from ``expected`` ('' when they agree)."""
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"expected a sequence of {len(expected)} values"
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            problem = _mismatch(g, e, rtol, atol)
            if problem:
                return f"item {i}: {problem}"
        return ""
    if isinstance(expected, (torch.Tensor, np.ndarray)) or isinstance(
        got, (torch.Tensor, np.ndarray)
    ):
        e = np.asarray(_to_numpy(expected), dtype=np.float64)
        try:
            g = np.asarray(_to_numpy(got), dtype=np.float64)
        except (TypeError, ValueError):
            return f"expected an array, got {type(got).__name__}"
        if g.shape != e.shape:
            return f"shape {g.shape} instead of {e.shape}"
        if not np.allclose(g, e, rtol=rtol, atol=atol, equal_nan=False):
            worst = np.unravel_index(np.argmax(np.abs(g - e)), e.shape) if e.size else ()
            return f"values differ, largest difference at index {tuple(int(i) for i in worst)}"
        return ""
    if isinstance(expected, (bool, np.bool_)) or isinstance(expected, str):
        return "" if got == expected else "different value"
    if isinstance(expected, (int, float, np.floating, np.integer)):
        try:
            ok = np.isclose(float(got), float(expected), rtol=rtol, atol=atol)
        except (TypeError, ValueError):
            return f"expected a number, got {type(got).__name__}"
        return "" if ok else "different value"
    return "" if got == expected else "different value"


def _to_numpy(value: Any) -> Any:
    return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else value


def summarize(value: Any, limit: int = 4) -> str:
    """A short description of a value: numbers as they are, arrays by shape and a few entries."""
    if isinstance(value, (torch.Tensor, np.ndarray)):
        arr = np.asarray(_to_numpy(value))
        flat = ", ".join(f"{v:.4g}" for v in arr.ravel()[:limit])
        more = ", ..." if arr.size > limit else ""
        kind = "tensor" if isinstance(value, torch.Tensor) else "array"
        return f"{kind} of shape {tuple(arr.shape)} [{flat}{more}]"
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(summarize(v, limit) for v in value) + ")"
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)


def _describe_call(args: tuple, kwargs: dict) -> str:
    parts = [summarize(a) for a in args] + [f"{k}={summarize(v)}" for k, v in kwargs.items()]
    return "(" + ", ".join(parts) + ")"


def iter_exercises() -> Iterator[Exercise]:
    """Every registered exercise, in name order."""
    for name in names():
        yield _REGISTRY[name]
