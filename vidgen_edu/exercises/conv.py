"""Convolution exercises (notebook 02): ``check("name", your_function)``.

Each code exercise compares the learner's function with a reference from
``vidgen_edu.foundations.conv`` (or with PyTorch itself) on random cases plus edge cases (a kernel
as large as the image, a 1 x 1 kernel, a stride larger than the image, a single sample). The
questions at the end are the notebook's predict and diagnose exercises: multiple choice; the
notebook runs the experiment after the answer is checked.
"""

from __future__ import annotations

import numpy as np
import torch

from vidgen_edu.foundations.conv import (
    conv2d_backward,
    conv2d_naive,
    conv_output_size,
    dense_backward,
    im2col,
)

from .core import exercise, normal, question


@exercise(
    "conv_output_size",
    reference=conv_output_size,
    hint="the dilated kernel spans d*(k-1)+1 samples; count the steps of size s that fit "
    "into n + 2*padding: floor((n + 2p - d(k-1) - 1) / s) + 1",
)
def _conv_output_size_cases(rng):
    yield (5, 5), {}  # kernel as large as the input: one position
    yield (7, 1), {"stride": 3}  # 1 x 1 kernel, stride not dividing n
    yield (3, 3), {"stride": 5, "padding": 1}  # stride larger than the input
    yield (4, 3), {"dilation": 2, "padding": 1}
    for _ in range(30):
        k, d, p = int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(rng.integers(0, 4))
        n = int(rng.integers(max(1, d * (k - 1) + 1 - 2 * p), 40))
        yield (n, k), {"stride": int(rng.integers(1, 5)), "padding": p, "dilation": d}


def _correlate_single(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Reference: valid cross-correlation of one 2-D image with one 2-D kernel."""
    return conv2d_naive(x[None, None], w[None, None])[0, 0]


@exercise(
    "conv2d_single_channel",
    reference=_correlate_single,
    hint="out[i, j] = sum over u, v of x[i + u, j + v] * w[u, v]; the output is "
    "(H - kh + 1) x (W - kw + 1); do not flip the kernel (this is what conv2d computes)",
)
def _single_channel_cases(rng):
    yield (normal(rng, 4, 4), normal(rng, 4, 4)), {}  # kernel covers the image: a 1 x 1 output
    yield (normal(rng, 3, 5), normal(rng, 1, 1)), {}  # 1 x 1 kernel: a scaled copy
    yield (normal(rng, 5, 6), normal(rng, 1, 3)), {}  # non-square kernel
    for _ in range(8):
        h, w = int(rng.integers(3, 10)), int(rng.integers(3, 10))
        yield (
            (
                normal(rng, h, w),
                normal(rng, int(rng.integers(1, h + 1)), int(rng.integers(1, w + 1))),
            ),
            {},
        )


def _convolve_single(f: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """Reference: the seed's convolution (f * g)(x, y) = sum f(i, j) g(x - i, y - j), valid part."""
    return _correlate_single(f, g.flip(0, 1))


@exercise(
    "convolve2d",
    reference=_convolve_single,
    hint="a true convolution is a cross-correlation with the kernel flipped in both axes "
    "(g[::-1, ::-1], or g.flip(0, 1)); keep the 'valid' output of size H-kh+1 x W-kw+1",
)
def _convolve_cases(rng):
    yield (normal(rng, 5, 5), normal(rng, 3, 3)), {}
    yield (normal(rng, 4, 6), normal(rng, 2, 3)), {}  # an asymmetric kernel: flipping matters
    yield (normal(rng, 3, 3), normal(rng, 3, 3)), {}
    for _ in range(8):
        h, w = int(rng.integers(3, 9)), int(rng.integers(3, 9))
        yield (
            (
                normal(rng, h, w),
                normal(rng, int(rng.integers(1, h + 1)), int(rng.integers(1, w + 1))),
            ),
            {},
        )


def _im2col_reference(
    x: torch.Tensor, kernel_size: tuple[int, int], stride: int = 1
) -> torch.Tensor:
    """Reference: the patches of x as columns, (B, C, H, W) -> (B, C*kh*kw, L), like F.unfold."""
    return im2col(x, kernel_size, stride=stride)


@exercise(
    "im2col",
    reference=_im2col_reference,
    hint="column l holds the patch at output position (i, j) = divmod(l, W_out), flattened "
    "channel first, then kernel row, then kernel column, like torch.nn.functional.unfold",
)
def _im2col_cases(rng):
    yield (normal(rng, 1, 1, 3, 3), (3, 3)), {}  # one patch: the whole image
    yield (normal(rng, 2, 2, 4, 5), (1, 1)), {}  # 1 x 1 patches: every pixel is a column
    yield (normal(rng, 1, 3, 7, 6), (2, 3)), {"stride": 2}
    for _ in range(8):
        b, c = (int(v) for v in rng.integers(1, 4, size=2))
        h, w = int(rng.integers(4, 9)), int(rng.integers(4, 9))
        kernel = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        yield (normal(rng, b, c, h, w), kernel), {"stride": int(rng.integers(1, 3))}


def _grad_weight_reference(x: torch.Tensor, grad_out: torch.Tensor) -> torch.Tensor:
    """Reference: dL/dw of y = conv2d(x, w) (stride 1, no padding), given x and dL/dy."""
    kh, kw = x.shape[2] - grad_out.shape[2] + 1, x.shape[3] - grad_out.shape[3] + 1
    w = x.new_zeros(grad_out.shape[1], x.shape[1], kh, kw)  # (C_out, C_in, kh, kw); values unused
    return conv2d_backward(x, w, grad_out)[1]


@exercise(
    "conv2d_grad_weight",
    reference=_grad_weight_reference,
    hint="each weight w[o, c, u, v] multiplied x[b, c, i + u, j + v] to make y[b, o, i, j]: "
    "add up those inputs weighted by grad_out[b, o, i, j], over b, i and j; "
    "the kernel size is kh = H - H_out + 1, kw = W - W_out + 1",
)
def _grad_weight_cases(rng):
    yield (normal(rng, 1, 1, 3, 3), normal(rng, 1, 1, 1, 1)), {}  # kernel as large as x
    yield (normal(rng, 2, 2, 4, 4), normal(rng, 2, 3, 4, 4)), {}  # 1 x 1 kernel
    for _ in range(8):
        b, c_in, c_out = (int(v) for v in rng.integers(1, 4, size=3))
        h, w = (int(v) for v in rng.integers(3, 8, size=2))
        kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
        yield (normal(rng, b, c_in, h, w), normal(rng, b, c_out, h - kh + 1, w - kw + 1)), {}


@exercise(
    "dense_backward",
    reference=dense_backward,
    hint="with y = sigmoid(a @ W + b): dz = grad_y * y * (1 - y); return "
    "(dz @ W.T, a.T @ dz, dz.sum(0)) for a batch a of shape (B, n_in)",
)
def _dense_cases(rng):
    yield (normal(rng, 1, 1), normal(rng, 1, 1), normal(rng, 1), normal(rng, 1, 1)), {}
    yield (
        (normal(rng, 1, 4), 20 * normal(rng, 4, 2), normal(rng, 2), normal(rng, 1, 2)),
        {},
    )  # saturated
    for _ in range(8):
        b, n_in, n_out = (int(v) for v in rng.integers(1, 6, size=3))
        args = (
            normal(rng, b, n_in),
            normal(rng, n_in, n_out),
            normal(rng, n_out),
            normal(rng, b, n_out),
        )
        yield args, {}


def _central_difference(f, x: float, h: float) -> float:
    """Reference: (f(x + h) - f(x - h)) / (2h)."""
    return (f(x + h) - f(x - h)) / (2 * h)


_FUNCTIONS = (np.sin, np.exp, lambda t: t**3 - 2 * t, lambda t: 1 / (1 + np.exp(-t)))


@exercise(
    "central_difference",
    reference=_central_difference,
    rtol=1e-9,
    atol=1e-12,
    hint="evaluate f on both sides of x: (f(x + h) - f(x - h)) / (2 * h); the seed's "
    "forward difference (f(x + h) - f(x)) / h is less accurate and does not pass",
)
def _central_cases(rng):
    yield (np.exp, 0.0, 0.1), {}
    for _ in range(12):
        f = _FUNCTIONS[int(rng.integers(len(_FUNCTIONS)))]
        yield (f, float(rng.uniform(-2, 2)), float(10 ** rng.uniform(-3, -1))), {}


def _transposed_length_from_torch(
    n: int, k: int, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1
) -> int:
    """Reference: the length ``torch.nn.ConvTranspose2d`` gives along one axis (measured)."""
    layer = torch.nn.ConvTranspose2d(
        1,
        1,
        (k, 1),
        stride=(stride, 1),
        padding=(padding, 0),
        bias=False,
        output_padding=(output_padding, 0),
        dilation=(dilation, 1),
    )
    with torch.no_grad():
        return int(layer(torch.zeros(1, 1, n, 1)).shape[2])  # (1, 1, n_out, 1)


def _transposed_case(rng: np.random.Generator) -> tuple[int, int, int, int, int, int]:
    """Random (n, k, stride, padding, output_padding, dilation) with a non-empty output."""
    while True:
        n, k = int(rng.integers(1, 12)), int(rng.integers(1, 7))
        s, d = int(rng.integers(1, 5)), int(rng.integers(1, 4))
        p, op = int(rng.integers(0, 4)), int(rng.integers(0, max(s, d)))
        if (n - 1) * s - 2 * p + d * (k - 1) + op + 1 >= 1:
            return n, k, s, p, op, d


@exercise(
    "nb02_conv_transpose_output_size",
    reference=_transposed_length_from_torch,
    hint="input pixel i stamps its kernel starting at s*i; the last one starts at (n - 1)*s and a "
    "dilated kernel spans d*(k - 1) + 1 samples; padding crops p from each end, "
    "output_padding adds samples at the end",
)
def _transposed_size_cases(rng):
    yield (1, 4), {}  # one input pixel: the output is one stamp of the kernel
    yield (5, 1), {"stride": 3}  # a 1 x 1 kernel with stride 3: gaps of 2 between samples
    yield (16, 4), {"stride": 2, "padding": 1}  # the generators' doubling step
    yield (7, 3), {"stride": 2, "padding": 1, "output_padding": 1}  # the doubling with k = 3
    yield (4, 3), {"dilation": 2, "padding": 1}
    for _ in range(30):
        n, k, s, p, op, d = _transposed_case(rng)
        yield (n, k), {"stride": s, "padding": p, "output_padding": op, "dilation": d}


# The predict and diagnose questions of notebook 02, in the order the notebook asks them.
question(
    "nb02_checkerboard_ones",
    answer="a",
    choices="abcd",
    hint="count, for each output pixel, how many input pixels stamp the kernel onto it: with "
    "stride 2, is that count the same everywhere when k = 3? when k = 4?",
)
question(
    "nb02_checkerboard_random",
    answer="b",
    choices="abcd",
    hint="with a constant input, output pixels of the same parity (even or odd row and column) "
    "sum the same kernel taps; which upsampler sums a different set of taps for each parity?",
)
question(
    "nb02_backward_cost",
    answer="b",
    choices="abcd",
    hint="count products: each of dL/dx and dL/dw multiplies every output gradient by every "
    "kernel tap that output used, once",
)
question(
    "nb02_best_step",
    answer="c",
    choices="abcd",
    hint="two errors compete: truncation (of order h^2 |f'''| / 6) and rounding (of order "
    "machine epsilon |f| / h); where are they equal in float64?",
)
question(
    "nb02_gradient_check_log",
    answer="c",
    choices="abcd",
    hint="a truncation error shrinks as h shrinks and a rounding error grows as h shrinks; "
    "what kind of error does neither?",
)
