"""The convolution exercises accept correct answers and reject wrong ones informatively.

The correct solutions below are written independently of the references (loops, torch.nn.functional),
the wrong ones make the mistakes learners make.
"""

import inspect

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from vidgen_edu.exercises import ExerciseFailed, check, get
from vidgen_edu.exercises.core import run_cases


def ok_output_size(n, k, stride=1, padding=0, dilation=1):
    return (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1


def bad_output_size(n, k, stride=1, padding=0, dilation=1):
    return (n + 2 * padding - k) // stride + 1  # forgets the dilation


def ok_single_channel(x, w):
    kh, kw = w.shape
    out = torch.zeros(x.shape[0] - kh + 1, x.shape[1] - kw + 1, dtype=x.dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i : i + kh, j : j + kw] * w).sum()
    return out


def bad_single_channel(x, w):
    return ok_single_channel(x, w.flip(0, 1))  # a convolution, not what conv2d computes


def ok_convolve(f, g):
    return F.conv2d(f[None, None], g.flip(0, 1)[None, None])[0, 0]


def bad_convolve(f, g):
    return F.conv2d(f[None, None], g[None, None])[0, 0]  # forgets the flip


def ok_im2col(x, kernel_size, stride=1):
    return F.unfold(x, kernel_size, stride=stride)


def bad_im2col(x, kernel_size, stride=1):
    b, c = x.shape[:2]
    cols = F.unfold(x, kernel_size, stride=stride)  # (B, C*kh*kw, L)
    cols = cols.view(b, c, -1, cols.shape[2])  # (B, C, kh*kw, L)
    return cols.transpose(1, 2).reshape(
        b, -1, cols.shape[3]
    )  # kernel position before channel: wrong


def ok_grad_weight(x, grad_out):
    kh, kw = x.shape[2] - grad_out.shape[2] + 1, x.shape[3] - grad_out.shape[3] + 1
    w = torch.zeros(grad_out.shape[1], x.shape[1], kh, kw, dtype=x.dtype, requires_grad=True)
    F.conv2d(x, w).backward(grad_out)
    return w.grad


def bad_grad_weight(x, grad_out):
    return ok_grad_weight(x[:1], grad_out[:1])  # forgets to sum over the batch


def ok_dense_backward(a, W, b, grad_y):
    a, W, b = (t.clone().requires_grad_() for t in (a, W, b))
    torch.sigmoid(a @ W + b).backward(grad_y)
    return a.grad, W.grad, b.grad


def bad_dense_backward(a, W, b, grad_y):
    return grad_y @ W.T, a.T @ grad_y, grad_y.sum(0)  # forgets sigmoid'


def ok_transposed_size(n, k, stride=1, padding=0, output_padding=0, dilation=1):
    return (n - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1


def bad_transposed_size(n, k, stride=1, padding=0, output_padding=0, dilation=1):
    return (n - 1) * stride - 2 * padding + dilation * (k - 1) + 1  # forgets output_padding


def ok_central(f, x, h):
    return (f(x + h) - f(x - h)) / h / 2


def bad_central(f, x, h):
    return (f(x + h) - f(x)) / h  # the seed's forward difference


CASES = {
    "conv_output_size": (ok_output_size, bad_output_size),
    "conv2d_single_channel": (ok_single_channel, bad_single_channel),
    "convolve2d": (ok_convolve, bad_convolve),
    "im2col": (ok_im2col, bad_im2col),
    "conv2d_grad_weight": (ok_grad_weight, bad_grad_weight),
    "dense_backward": (ok_dense_backward, bad_dense_backward),
    "central_difference": (ok_central, bad_central),
    "nb02_conv_transpose_output_size": (ok_transposed_size, bad_transposed_size),
}

QUESTIONS = [
    "nb02_checkerboard_ones",
    "nb02_checkerboard_random",
    "nb02_backward_cost",
    "nb02_best_step",
    "nb02_gradient_check_log",
]


def _stub(*args, **kwargs):
    raise NotImplementedError("your code here")


def _source_lines(fn):
    """The reference's code lines long enough to be recognisable if they leaked."""
    return [ln.strip() for ln in inspect.getsource(fn).splitlines() if len(ln.strip()) > 25]


def test_there_are_at_least_five_convolution_exercises():
    assert len(CASES) >= 5
    for name in CASES:
        assert get(name).hint


@pytest.mark.parametrize("name", sorted(CASES))
def test_correct_solution_passes(name, capsys):
    assert check(name, CASES[name][0]) is None  # prints; returns nothing for a notebook to show
    passed = run_cases(name, CASES[name][0])
    assert passed >= 10
    assert f"all {passed} cases pass" in capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(CASES))
def test_stub_fails_with_hint(name):
    with pytest.raises(ExerciseFailed) as info:
        check(name, _stub)
    message = str(info.value).lower()
    assert "not implemented" in message and "hint" in message


@pytest.mark.parametrize("name", sorted(CASES))
def test_wrong_solution_fails_without_showing_the_reference(name, capsys):
    with pytest.raises(ExerciseFailed) as info:
        check(name, CASES[name][1])
    message = str(info.value)
    assert "wrong answer" in message and "hint" in message
    shown = message + capsys.readouterr().out
    leaked = [ln for ln in _source_lines(get(name).reference) if ln in shown]
    assert not leaked, f"reference code shown to the learner: {leaked}"


def test_a_crashing_solution_is_reported_with_its_input():
    def crashes(n, k, stride=1, padding=0, dilation=1):
        return np.zeros(2)[n]  # IndexError for most n

    with pytest.raises(ExerciseFailed, match="raised IndexError"):
        check("conv_output_size", crashes)


def test_the_transposed_size_reference_is_what_torch_measures_and_matches_the_library():
    from vidgen_edu.foundations.conv import conv_transpose_output_size

    exercise = get("nb02_conv_transpose_output_size")
    cases = list(exercise.cases(np.random.default_rng(0)))
    assert len(cases) >= 30
    for args, kwargs in cases:
        n, k = args
        x = torch.zeros(1, 1, n, n)
        layer = torch.nn.ConvTranspose2d(1, 1, k, **kwargs)
        assert layer(x).shape[-1] == exercise.reference(*args, **kwargs)
        assert conv_transpose_output_size(n, k, **kwargs) == exercise.reference(*args, **kwargs)


@pytest.mark.parametrize("name", QUESTIONS)
def test_questions_accept_their_letter_and_never_tell_it(name, capsys):
    right = get(name).reference()
    check(name, lambda: right)
    assert f"{name}: right" in capsys.readouterr().out
    for wrong in sorted(set(get(name).choices) - {right}):
        with pytest.raises(ExerciseFailed) as info:
            check(name, lambda wrong=wrong: wrong)
        message = str(info.value)
        assert get(name).hint in message
        assert f"'{right}'" not in message and f'"{right}"' not in message


def test_the_notebook_has_at_least_two_questions_and_six_exercises():
    assert len(QUESTIONS) >= 2 and len(CASES) + len(QUESTIONS) >= 6
