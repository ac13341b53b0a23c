"""vidgen_edu.foundations.conv agrees with PyTorch, autograd and finite differences.

Property-based: hypothesis draws shapes, strides, paddings and dilations; everything is computed
in float64 and compared at 1e-5 relative error.
"""

import re

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from vidgen_edu.errors import UsageError
from vidgen_edu.foundations.conv import (
    conv2d_backward,
    conv2d_fft,
    conv2d_im2col,
    conv2d_naive,
    conv3d_naive,
    conv_output_size,
    conv_transpose2d_naive,
    conv_transpose_output_size,
    dense_backward,
    dense_forward,
    finite_difference_grad,
    im2col,
)

RTOL = 1e-5
FAST = settings(max_examples=25, deadline=None)


def _close(got: torch.Tensor, expected: torch.Tensor) -> None:
    assert got.shape == expected.shape, (got.shape, expected.shape)
    scale = expected.abs().max().clamp_min(1.0)
    err = (got - expected).abs().max() / scale
    assert err < RTOL, f"relative error {err:.3g}"


@st.composite
def conv2d_case(draw, *, dilate=True):
    """Random (x, w, bias, stride, padding, dilation) with at least one output position."""
    b, c_in, c_out = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride, padding = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    dilation = draw(st.integers(1, 2)) if dilate else 1
    h = draw(st.integers(max(1, dilation * (kh - 1) + 1 - 2 * padding), 10))
    w = draw(st.integers(max(1, dilation * (kw - 1) + 1 - 2 * padding), 10))
    gen = torch.Generator().manual_seed(draw(st.integers(0, 2**31 - 1)))
    x = torch.randn(b, c_in, h, w, generator=gen, dtype=torch.float64)
    weight = torch.randn(c_out, c_in, kh, kw, generator=gen, dtype=torch.float64)
    bias = torch.randn(c_out, generator=gen, dtype=torch.float64)
    return x, weight, bias, stride, padding, dilation


@FAST
@given(conv2d_case())
def test_forward_implementations_agree_with_torch(case):
    x, w, bias, s, p, d = case
    expected = F.conv2d(x, w, bias, stride=s, padding=p, dilation=d)
    for fn in (conv2d_naive, conv2d_im2col, conv2d_fft):
        _close(fn(x, w, bias, stride=s, padding=p, dilation=d), expected)


@FAST
@given(conv2d_case())
def test_im2col_matches_unfold_and_output_size(case):
    x, w, _, s, p, d = case
    k = tuple(w.shape[2:])
    cols = im2col(x, k, stride=s, padding=p, dilation=d)
    _close(cols, F.unfold(x, k, stride=s, padding=p, dilation=d))
    out = F.conv2d(x, w, stride=s, padding=p, dilation=d)
    assert out.shape[2] == conv_output_size(x.shape[2], k[0], stride=s, padding=p, dilation=d)
    assert out.shape[3] == conv_output_size(x.shape[3], k[1], stride=s, padding=p, dilation=d)


@FAST
@given(
    st.integers(1, 2),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 1),
    st.integers(1, 2),
    st.integers(0, 2**31 - 1),
)
def test_conv3d_agrees_with_torch(b, c_in, c_out, k, s, p, d, seed):
    gen = torch.Generator().manual_seed(seed)
    span = d * (k - 1) + 1
    x = torch.randn(b, c_in, span + 1, span + 2, span, generator=gen, dtype=torch.float64)
    w = torch.randn(c_out, c_in, k, max(1, k - 1), k, generator=gen, dtype=torch.float64)
    bias = torch.randn(c_out, generator=gen, dtype=torch.float64)
    _close(
        conv3d_naive(x, w, bias, stride=s, padding=p, dilation=d),
        F.conv3d(x, w, bias, stride=s, padding=p, dilation=d),
    )


@FAST
@given(conv2d_case(), st.integers(0, 2))
def test_conv_transpose_agrees_with_torch(case, output_padding):
    x, w, bias, s, p, d = case
    op = min(output_padding, max(s, d) - 1)
    wt = w.transpose(0, 1).contiguous()  # (C_in, C_out, kh, kw) with C_in = x's channels
    kh, kw = wt.shape[2:]
    sizes = [
        (n - 1) * s - 2 * p + d * (k - 1) + op + 1
        for n, k in zip(x.shape[2:], (kh, kw), strict=True)
    ]
    if min(sizes) < 1:  # PyTorch refuses these too
        with pytest.raises(UsageError, match="reduce padding"):
            conv_transpose2d_naive(x, wt, stride=s, padding=p, output_padding=op, dilation=d)
        return
    expected = F.conv_transpose2d(x, wt, bias, stride=s, padding=p, output_padding=op, dilation=d)
    _close(
        conv_transpose2d_naive(x, wt, bias, stride=s, padding=p, output_padding=op, dilation=d),
        expected,
    )
    assert expected.shape[2] == conv_transpose_output_size(
        x.shape[2], kh, stride=s, padding=p, output_padding=op, dilation=d
    )


@FAST
@given(conv2d_case(dilate=False))
def test_hand_gradients_agree_with_autograd(case):
    x, w, _, s, p, _ = case
    xr, wr = x.clone().requires_grad_(), w.clone().requires_grad_()
    y = F.conv2d(xr, wr, stride=s, padding=p)
    grad_out = torch.randn_like(y)
    y.backward(grad_out)
    grad_x, grad_w = conv2d_backward(x, w, grad_out, stride=s, padding=p)
    _close(grad_x, xr.grad)
    _close(grad_w, wr.grad)


@settings(max_examples=8, deadline=None)
@given(conv2d_case(dilate=False))
def test_hand_gradients_agree_with_finite_differences(case):
    x, w, _, s, p, _ = case
    x, w = x[:1, :2, :6, :6], w[:2, :2]  # small: one forward pass per perturbed element
    if x.shape[2] + 2 * p < w.shape[2] or x.shape[3] + 2 * p < w.shape[3]:
        return
    grad_out = torch.randn_like(F.conv2d(x, w, stride=s, padding=p))
    loss_x = lambda xx: (F.conv2d(xx, w, stride=s, padding=p) * grad_out).sum()  # noqa: E731
    loss_w = lambda ww: (F.conv2d(x, ww, stride=s, padding=p) * grad_out).sum()  # noqa: E731
    grad_x, grad_w = conv2d_backward(x, w, grad_out, stride=s, padding=p)
    _close(finite_difference_grad(loss_x, x), grad_x)
    _close(finite_difference_grad(loss_w, w), grad_w)


def test_central_difference_error_is_second_order():
    f = lambda t: torch.sin(t).sum()  # noqa: E731
    x = torch.tensor([0.7], dtype=torch.float64)
    exact = torch.cos(x)
    err = {}
    for h in (1e-2, 1e-3):
        for scheme in ("forward", "central"):
            err[scheme, h] = (
                (finite_difference_grad(f, x, eps=h, scheme=scheme) - exact).abs().item()
            )
    # dividing h by 10 divides the forward error by ~10 and the central error by ~100
    assert 7 < err["forward", 1e-2] / err["forward", 1e-3] < 13
    assert 70 < err["central", 1e-2] / err["central", 1e-3] < 130
    assert err["central", 1e-3] < err["forward", 1e-3] / 100


@FAST
@given(st.integers(0, 3), st.integers(1, 5), st.integers(1, 4), st.integers(0, 2**31 - 1))
def test_dense_layer_forward_and_backward(batch, n_in, n_out, seed):
    gen = torch.Generator().manual_seed(seed)
    shape = (batch, n_in) if batch else (n_in,)  # batch 0 stands for a single vector
    a = torch.randn(*shape, generator=gen, dtype=torch.float64, requires_grad=True)
    W = torch.randn(n_in, n_out, generator=gen, dtype=torch.float64, requires_grad=True)
    b = torch.randn(n_out, generator=gen, dtype=torch.float64, requires_grad=True)
    y = dense_forward(a, W, b)
    if batch == 0:
        _close(y, torch.sigmoid(W.T @ a + b))  # the seed's formula, literally
    grad_y = torch.randn_like(y)
    y.backward(grad_y)
    grads = dense_backward(a.detach(), W.detach(), b.detach(), grad_y)
    for got, expected in zip(grads, (a.grad, W.grad, b.grad), strict=True):
        _close(got, expected)
    loss = lambda WW: (dense_forward(a.detach(), WW, b.detach()) * grad_y).sum()  # noqa: E731
    _close(finite_difference_grad(loss, W.detach()), grads[1])


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: conv_output_size(2, 5), "n + 2*padding >= 5"),
        (lambda: conv2d_naive(torch.zeros(3, 8, 8), torch.zeros(1, 3, 3, 3)), "add a batch axis"),
        (lambda: conv2d_im2col(torch.zeros(1, 2, 8, 8), torch.zeros(1, 3, 3, 3)), "2 channels"),
        (
            lambda: conv2d_backward(
                torch.zeros(1, 1, 5, 5), torch.zeros(1, 1, 3, 3), torch.zeros(1, 1, 2, 2)
            ),
            "does not match",
        ),
        (
            lambda: conv2d_backward(
                torch.zeros(1, 1, 5, 5), torch.zeros(1, 1, 3, 3), torch.zeros(1, 1, 9)
            ),
            "does not match the convolution's output (1, 1, 3, 3)",
        ),
        (
            lambda: conv3d_naive(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 2, 2, 2)),
            "(B, C_in, T, H, W)",
        ),
        (
            lambda: conv_transpose2d_naive(torch.zeros(1, 2, 4, 4), torch.zeros(3, 1, 2, 2)),
            "2 channels",
        ),
        (lambda: conv_transpose_output_size(4, 3, stride=2, output_padding=2), "output_padding"),
        (lambda: im2col(torch.zeros(8, 8), (3, 3)), "(B, C, H, W)"),
        (
            lambda: dense_forward(torch.zeros(3), torch.zeros(4, 2), torch.zeros(2)),
            "W (n_in, n_out)",
        ),
        (
            lambda: finite_difference_grad(lambda t: t.sum(), torch.zeros(2), scheme="backward"),
            "central",
        ),
        (
            lambda: finite_difference_grad(lambda t: t.sum(), torch.zeros(2), eps=0),
            "eps must be positive",
        ),
    ],
)
def test_bad_input_explains_itself(call, fragment):
    """A learner's bad shape or argument is a UsageError (a ValueError too), in one line."""
    with pytest.raises(UsageError, match=re.escape(fragment)) as err:
        call()
    assert isinstance(err.value, ValueError) and "\n" not in str(err.value)
