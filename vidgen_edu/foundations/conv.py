"""Convolution, written several ways, with its gradients derived by hand.

The seed article (section 4.1) writes the 2-D convolution of an image ``f`` with a kernel ``g``

    (f * g)(x, y) = sum_i sum_j f(i, j) g(x - i, y - j).

Deep-learning libraries compute the *cross-correlation* instead, with no flip of the kernel:

    y[b, o, i, j] = sum_c sum_u sum_v x[b, c, s*i + d*u, s*j + d*v] * w[o, c, u, v]

after zero-padding ``x`` by ``padding`` on every side (stride ``s``, dilation ``d``). Every function
here follows PyTorch's conventions (inputs ``(B, C_in, H, W)`` or ``(B, C_in, T, H, W)``, weights
``(C_out, C_in, k...)``, transposed weights ``(C_in, C_out, k...)``) and returns what
``torch.nn.functional.conv2d`` / ``conv3d`` / ``conv_transpose2d`` return, up to rounding.

Three ways to compute the same thing, with different costs (B images, C channels, H x W, k x k):

- ``conv2d_naive``: the definition, one output position at a time; O(B C_out C_in H W k^2) and a
  Python loop over H W positions.
- ``conv2d_im2col``: copy every k x k patch into a column, then one matrix product (Chellapilla
  et al. 2006, "High performance convolutional neural networks for document processing").
- ``conv2d_fft``: the convolution theorem, O(B C H W log(H W)) independent of k.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from vidgen_edu.errors import UsageError


def conv_output_size(
    n: int, k: int, *, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """Output length of a convolution along one axis: ``floor((n + 2p - d(k-1) - 1) / s) + 1``.

    A dilated kernel spans ``d(k-1) + 1`` samples; it fits ``n + 2p - d(k-1) - 1`` steps of one
    sample into the padded input, of which every ``s``-th is kept.

    >>> conv_output_size(5, 3), conv_output_size(5, 3, padding=1), conv_output_size(6, 3, stride=2)
    (3, 5, 2)
    """
    span = dilation * (k - 1) + 1
    if min(n, k, stride, dilation) < 1 or padding < 0 or n + 2 * padding < span:
        raise UsageError(
            f"no output for n={n}, k={k}, stride={stride}, padding={padding}, dilation={dilation}: "
            f"need n, k, stride, dilation >= 1, padding >= 0 and n + 2*padding >= {span} "
            "(the dilated kernel's span); use a larger input, more padding or a smaller kernel"
        )
    return (n + 2 * padding - span) // stride + 1


def conv_transpose_output_size(
    n: int, k: int, *, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1
) -> int:
    """Output length of a transposed convolution: ``(n-1)s - 2p + d(k-1) + output_padding + 1``.

    It inverts ``conv_output_size``'s shape map; the floor there makes ``s`` input lengths map to
    one output length, and ``output_padding`` (< s) picks which one comes back.

    >>> conv_transpose_output_size(16, 4, stride=2, padding=1)
    32
    """
    bad_output_padding = not 0 <= output_padding < max(stride, dilation)
    if min(n, k, stride, dilation) < 1 or padding < 0 or bad_output_padding:
        raise UsageError(
            f"bad transposed-convolution sizes n={n}, k={k}, stride={stride}, padding={padding}, "
            f"output_padding={output_padding}: need n, k, stride >= 1, padding >= 0 and "
            "0 <= output_padding < max(stride, dilation)"
        )
    size = (n - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1
    if size < 1:
        raise UsageError(
            f"transposed convolution of length {n} gives {size} samples: reduce padding={padding}"
        )
    return size


def _check(x: torch.Tensor, w: torch.Tensor, spatial: int, transposed: bool = False) -> None:
    """Raise a one-line UsageError unless ``x`` and ``w`` have matching convolution shapes."""
    layout = "(B, C_in, H, W)" if spatial == 2 else "(B, C_in, T, H, W)"
    if x.dim() != spatial + 2 or w.dim() != spatial + 2:
        raise UsageError(
            f"expected input {layout} and a weight with {spatial + 2} dimensions, got input "
            f"{tuple(x.shape)} and weight {tuple(w.shape)}; add a batch axis with x[None]"
        )
    c_w = w.shape[0] if transposed else w.shape[1]
    if x.shape[1] != c_w:
        kind = "(C_in, C_out, k...)" if transposed else "(C_out, C_in, k...)"
        raise UsageError(
            f"input has {x.shape[1]} channels but the weight {tuple(w.shape)} expects {c_w}; "
            f"the weight's layout is {kind}"
        )


def _add_bias(y: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """Add a per-output-channel bias to ``y`` of shape ``(B, C_out, ...)``."""
    if bias is None:
        return y
    return y + bias.view(1, -1, *([1] * (y.dim() - 2)))


def conv2d_naive(
    x: torch.Tensor,
    w: torch.Tensor,
    bias: torch.Tensor | None = None,
    *,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> torch.Tensor:
    """2-D cross-correlation by its definition, one output position at a time (small inputs only).

    ``y[:, o, i, j] = sum_{c,u,v} xpad[:, c, s*i + d*u, s*j + d*v] * w[o, c, u, v]``
    """
    _check(x, w, 2)
    c_out, _, kh, kw = w.shape
    out_h = conv_output_size(x.shape[2], kh, stride=stride, padding=padding, dilation=dilation)
    out_w = conv_output_size(x.shape[3], kw, stride=stride, padding=padding, dilation=dilation)
    xp = F.pad(x, (padding,) * 4)  # (B, C_in, H + 2p, W + 2p)
    y = x.new_zeros(x.shape[0], c_out, out_h, out_w)  # (B, C_out, H_out, W_out)
    for i in range(out_h):
        for j in range(out_w):
            rows = slice(stride * i, stride * i + dilation * (kh - 1) + 1, dilation)
            cols = slice(stride * j, stride * j + dilation * (kw - 1) + 1, dilation)
            patch = xp[:, :, rows, cols]  # (B, C_in, kh, kw)
            y[:, :, i, j] = torch.einsum("bcpq,ocpq->bo", patch, w)
    return _add_bias(y, bias)


def conv3d_naive(
    x: torch.Tensor,
    w: torch.Tensor,
    bias: torch.Tensor | None = None,
    *,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> torch.Tensor:
    """Spatio-temporal cross-correlation by its definition: the kernel also slides over time.

    ``y[:, o, t, i, j] = sum_{c,r,u,v} xpad[:, c, s*t + d*r, s*i + d*u, s*j + d*v] w[o, c, r, u, v]``
    """
    _check(x, w, 3)
    c_out, _, kt, kh, kw = w.shape
    sizes = [
        conv_output_size(n, k, stride=stride, padding=padding, dilation=dilation)
        for n, k in zip(x.shape[2:], (kt, kh, kw), strict=True)
    ]
    xp = F.pad(x, (padding,) * 6)  # (B, C_in, T + 2p, H + 2p, W + 2p)
    y = x.new_zeros(x.shape[0], c_out, *sizes)  # (B, C_out, T_out, H_out, W_out)
    span = [dilation * (k - 1) + 1 for k in (kt, kh, kw)]
    for t in range(sizes[0]):
        for i in range(sizes[1]):
            for j in range(sizes[2]):
                starts = (stride * t, stride * i, stride * j)
                idx = [slice(a, a + s, dilation) for a, s in zip(starts, span, strict=True)]
                patch = xp[:, :, idx[0], idx[1], idx[2]]  # (B, C_in, kt, kh, kw)
                y[:, :, t, i, j] = torch.einsum("bcrpq,ocrpq->bo", patch, w)
    return _add_bias(y, bias)


def im2col(
    x: torch.Tensor,
    kernel_size: tuple[int, int],
    *,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> torch.Tensor:
    """Every ``kh x kw`` patch of ``x`` as a column: ``(B, C, H, W) -> (B, C*kh*kw, L)``.

    The same layout as ``torch.nn.functional.unfold`` (rows ordered channel, then kernel row,
    then kernel column; columns are output positions in raster order), written with
    ``as_strided``: a patch is a view whose steps are the input's own strides times d (inside
    a patch) or times s (between patches), so no index arithmetic is copied until ``reshape``.
    """
    if x.dim() != 4:
        raise UsageError(
            f"im2col expects (B, C, H, W), got shape {tuple(x.shape)}; add a batch axis with x[None]"
        )
    kh, kw = kernel_size
    out_h = conv_output_size(x.shape[2], kh, stride=stride, padding=padding, dilation=dilation)
    out_w = conv_output_size(x.shape[3], kw, stride=stride, padding=padding, dilation=dilation)
    xp = F.pad(x, (padding,) * 4).contiguous()  # (B, C, H + 2p, W + 2p)
    sb, sc, sh, sw = xp.stride()
    patches = xp.as_strided(
        (xp.shape[0], xp.shape[1], kh, kw, out_h, out_w),
        (sb, sc, sh * dilation, sw * dilation, sh * stride, sw * stride),
    )  # (B, C, kh, kw, H_out, W_out)
    return patches.reshape(xp.shape[0], xp.shape[1] * kh * kw, out_h * out_w)  # (B, C*kh*kw, L)


def conv2d_im2col(
    x: torch.Tensor,
    w: torch.Tensor,
    bias: torch.Tensor | None = None,
    *,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> torch.Tensor:
    """2-D cross-correlation as one matrix product: ``W (C_out, C_in kh kw) @ cols (C_in kh kw, L)``.

    Costs the same multiply-adds as the definition but runs them in a tuned matrix multiply,
    at the price of ``kh*kw`` copies of the input in memory.
    """
    _check(x, w, 2)
    c_out, _, kh, kw = w.shape
    out_h = conv_output_size(x.shape[2], kh, stride=stride, padding=padding, dilation=dilation)
    out_w = conv_output_size(x.shape[3], kw, stride=stride, padding=padding, dilation=dilation)
    cols = im2col(
        x, (kh, kw), stride=stride, padding=padding, dilation=dilation
    )  # (B, C_in*kh*kw, L)
    y = w.reshape(c_out, -1) @ cols  # (B, C_out, L)
    return _add_bias(y.view(x.shape[0], c_out, out_h, out_w), bias)  # (B, C_out, H_out, W_out)


def conv2d_fft(
    x: torch.Tensor,
    w: torch.Tensor,
    bias: torch.Tensor | None = None,
    *,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> torch.Tensor:
    """2-D cross-correlation by the convolution theorem: ``F(f * g) = F(f) F(g)``.

    Cross-correlation with ``w`` is convolution with the flipped kernel ``w[..., ::-1, ::-1]``.
    The circular convolution of length ``N = H + 2p`` (what the DFT computes) equals the linear
    one at positions ``k-1 .. N-1``, where the kernel does not wrap around: those are exactly the
    ``N - k + 1`` valid outputs. Stride keeps every s-th of them; dilation inserts zeros in the kernel.
    """
    _check(x, w, 2)
    c_out, c_in, kh, kw = w.shape
    if dilation > 1:  # a dilated kernel is the kernel with d-1 zeros between its taps
        wd = w.new_zeros(c_out, c_in, dilation * (kh - 1) + 1, dilation * (kw - 1) + 1)
        wd[:, :, ::dilation, ::dilation] = w
        return conv2d_fft(x, wd, bias, stride=stride, padding=padding)
    out_h = conv_output_size(x.shape[2], kh, stride=stride, padding=padding)
    out_w = conv_output_size(x.shape[3], kw, stride=stride, padding=padding)
    xp = F.pad(x, (padding,) * 4)  # (B, C_in, N_h, N_w)
    size = xp.shape[-2:]
    x_hat = torch.fft.rfft2(xp, s=size)  # (B, C_in, N_h, N_w // 2 + 1)
    g_hat = torch.fft.rfft2(w.flip(-2, -1), s=size)  # (C_out, C_in, N_h, N_w // 2 + 1)
    y_hat = torch.einsum("bchw,ochw->bohw", x_hat, g_hat)  # sum over input channels
    y = torch.fft.irfft2(y_hat, s=size)  # (B, C_out, N_h, N_w), circular
    y = y[:, :, kh - 1 :: stride, kw - 1 :: stride][
        :, :, :out_h, :out_w
    ]  # (B, C_out, H_out, W_out)
    return _add_bias(y, bias)


def conv_transpose2d_naive(
    x: torch.Tensor,
    w: torch.Tensor,
    bias: torch.Tensor | None = None,
    *,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    dilation: int = 1,
) -> torch.Tensor:
    """Transposed 2-D convolution: each input pixel stamps the kernel, scaled, into the output.

    Weight ``(C_in, C_out, kh, kw)``. Input pixel ``(i, j)`` adds ``x[:, c, i, j] * w[c, :, u, v]``
    at output ``(s*i + d*u - pad, s*j + d*v - pad)``: the adjoint of ``conv2d``, which *gathered*
    from the same positions. We loop over kernel taps ``(u, v)``; each scatters the whole input,
    spaced ``s`` apart. Where stamps overlap unevenly (k not a multiple of s) the output shows
    a checkerboard (Odena et al. 2016, "Deconvolution and Checkerboard Artifacts", Distill).
    """
    _check(x, w, 2, transposed=True)
    b, _, h, wid = x.shape
    _, c_out, kh, kw = w.shape
    out_h = conv_transpose_output_size(
        h, kh, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation
    )
    out_w = conv_transpose_output_size(
        wid, kw, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation
    )
    full = x.new_zeros(b, c_out, out_h + 2 * padding, out_w + 2 * padding)  # uncropped canvas
    for u in range(kh):
        for v in range(kw):
            stamp = torch.einsum("bchw,co->bohw", x, w[:, :, u, v])  # (B, C_out, H, W)
            rows = slice(dilation * u, dilation * u + stride * (h - 1) + 1, stride)
            cols = slice(dilation * v, dilation * v + stride * (wid - 1) + 1, stride)
            full[:, :, rows, cols] += stamp
    y = full[:, :, padding : padding + out_h, padding : padding + out_w]  # (B, C_out, H_out, W_out)
    return _add_bias(y, bias)


def nyquist_energy_fraction(img: torch.Tensor) -> float:
    """Share of an image's energy at the Nyquist frequency: how strong a 2-pixel checkerboard is.

    A pattern that repeats every 2 pixels (the checkerboard a stride-2 transposed convolution
    stamps, Odena, Dumoulin & Olah 2016, Distill) has 2-D DFT coefficients only at frequencies
    0 and N/2 along each axis. This returns ``sum |Y|^2`` over the row ``H/2`` and the column
    ``W/2`` of ``Y = DFT(img)``, divided by ``sum |Y|^2`` (Parseval: the image's energy). ``img``
    is ``(..., H, W)`` with H and W even; leading axes are summed over.
    """
    h, w = img.shape[-2:]
    if h % 2 or w % 2 or h < 2 or w < 2:
        raise UsageError(f"need an even height and width, got {h} x {w}; crop one row or column")
    power = torch.fft.fft2(img.to(torch.float64)).abs() ** 2  # (..., H, W)
    total = power.sum().item()
    on_nyquist = power[..., h // 2, :].sum() + power[..., :, w // 2].sum()
    on_nyquist -= power[..., h // 2, w // 2].sum()  # counted in both the row and the column
    return on_nyquist.item() / total if total > 0 else 0.0


def conv2d_backward(
    x: torch.Tensor, w: torch.Tensor, grad_out: torch.Tensor, *, stride: int = 1, padding: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Gradients of a loss L through ``y = conv2d(x, w)``, derived by hand: ``(dL/dx, dL/dw)``.

    Write ``xp`` for the padded input and ``g = dL/dy``. The forward pass is

        y[b, o, i, j] = sum_{c, u, v} xp[b, c, s*i + u, s*j + v] w[o, c, u, v].

    By the chain rule each weight collects the inputs it multiplied, weighted by ``g``:

        dL/dw[o, c, u, v] = sum_{b, i, j} g[b, o, i, j] xp[b, c, s*i + u, s*j + v],

    a cross-correlation of ``x`` with ``g`` (``g`` stepping ``s`` apart): im2col of ``x`` times ``g``.
    Each input pixel collects from every output it fed:

        dL/dxp[b, c, m, n] = sum_{o, u, v : s*i + u = m, s*j + v = n} g[b, o, i, j] w[o, c, u, v],

    i.e. every ``g[b, o, i, j]`` stamps ``w[o, :, :, :]`` at ``(s*i, s*j)``: a transposed convolution
    of ``g`` with ``w`` (whose ``(C_out, C_in, ...)`` layout is the transposed weight layout with
    the channel roles swapped). For ``s = 1`` it reads ``dL/dxp[m, n] = sum_{u,v} g[m-u, n-v] w[u, v]``,
    the true convolution of g with w, which is correlation with the *flipped* kernel over g zero-padded
    by k-1. Finally ``dL/dx`` is ``dL/dxp`` without the padding border; padded rows that no kernel
    position reached (the floor in the output size) get gradient 0.
    """
    _check(x, w, 2)
    b, c_in, h, wid = x.shape
    c_out, _, kh, kw = w.shape
    cols = im2col(x, (kh, kw), stride=stride, padding=padding)  # (B, C_in*kh*kw, L)
    out_h = conv_output_size(h, kh, stride=stride, padding=padding)
    out_w = conv_output_size(wid, kw, stride=stride, padding=padding)
    if tuple(grad_out.shape) != (b, c_out, out_h, out_w):
        raise UsageError(
            f"grad_out {tuple(grad_out.shape)} does not match the convolution's output "
            f"{(b, c_out, out_h, out_w)} for x {tuple(x.shape)} and w {tuple(w.shape)}: "
            "pass dL/dy of conv2d(x, w) with the same stride and padding"
        )
    g = grad_out.reshape(b, c_out, -1)  # (B, C_out, L)
    grad_w = torch.einsum("bol,bkl->ok", g, cols).reshape(w.shape)  # (C_out, C_in, kh, kw)
    stamped = conv_transpose2d_naive(grad_out, w, stride=stride)  # (B, C_in, <= H+2p, <= W+2p)
    rows_left, cols_left = h + 2 * padding - stamped.shape[2], wid + 2 * padding - stamped.shape[3]
    grad_xp = F.pad(stamped, (0, cols_left, 0, rows_left))  # (B, C_in, H + 2p, W + 2p)
    grad_x = grad_xp[:, :, padding : padding + h, padding : padding + wid]  # (B, C_in, H, W)
    return grad_x, grad_w


def conv2d_multiply_adds(
    x_shape: tuple[int, ...], w_shape: tuple[int, ...], *, stride: int = 1, padding: int = 0
) -> dict[str, int]:
    """Multiply-adds of a 2-D convolution's forward pass and of its two gradients.

    Forward: each of the ``B C_out H_out W_out`` outputs sums ``C_in kh kw`` products. The
    gradients (``conv2d_backward``) pair the same factors differently: ``dL/dw`` adds, into each
    weight, one product per output position and sample; ``dL/dx`` stamps each ``g[b, o, i, j]``
    times the ``C_in kh kw`` weights of filter ``o``. Each is one product per (output, tap) pair,
    the forward count again, so a backward pass costs two forward passes. (A framework that
    computes ``dL/dx`` as a dense convolution of a zero-stuffed ``g`` does about ``s^2`` times more.)
    """
    b, c_in, h, wid = x_shape
    c_out, _, kh, kw = w_shape
    out_h = conv_output_size(h, kh, stride=stride, padding=padding)
    out_w = conv_output_size(wid, kw, stride=stride, padding=padding)
    pairs = b * c_out * out_h * out_w * c_in * kh * kw  # (output, kernel tap) pairs
    return {"forward": pairs, "grad_input": pairs, "grad_weight": pairs}


def finite_difference_grad(
    f: Callable[[torch.Tensor], torch.Tensor | float],
    x: torch.Tensor,
    *,
    eps: float = 1e-3,
    scheme: str = "central",
) -> torch.Tensor:
    """Gradient of a scalar function ``f`` at ``x`` by finite differences, in float64.

    The seed article defines the derivative as ``lim_{h->0} (f(x+h) - f(x)) / h``, the forward
    difference: by Taylor, ``(f(x+h) - f(x)) / h = f'(x) + h f''(x)/2 + O(h^2)``, an error of order
    ``h``. The central difference ``(f(x+h) - f(x-h)) / 2h = f'(x) + h^2 f'''(x)/6 + O(h^4)``
    cancels the ``f''`` term: an error of order ``h^2`` for the price of one more evaluation.

    ``f`` is called once or twice per element of ``x`` on a float64 copy of ``x`` perturbed in
    place (and restored), so it is for small tensors. ``scheme`` is "central" or "forward".
    """
    if scheme not in ("central", "forward"):
        raise UsageError(f"unknown scheme {scheme!r}: expected 'central' or 'forward'")
    if eps <= 0:
        raise UsageError(f"eps must be positive, got {eps}; try 1e-3 for float64")
    x64 = x.detach().to(torch.float64).clone()
    flat = x64.view(-1)
    grad = torch.zeros_like(flat)
    f0 = float(f(x64)) if scheme == "forward" else 0.0
    for k in range(flat.numel()):
        orig = flat[k].item()
        flat[k] = orig + eps
        f_plus = float(f(x64))
        if scheme == "central":
            flat[k] = orig - eps
            grad[k] = (f_plus - float(f(x64))) / (2 * eps)
        else:
            grad[k] = (f_plus - f0) / eps
        flat[k] = orig
    return grad.view(x.shape)


def _check_dense(a: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> None:
    if a.dim() not in (1, 2) or W.dim() != 2 or a.shape[-1] != W.shape[0] or b.shape != W.shape[1:]:
        raise UsageError(
            f"dense layer expects a (n_in,) or (B, n_in), W (n_in, n_out), b (n_out,); got a "
            f"{tuple(a.shape)}, W {tuple(W.shape)}, b {tuple(b.shape)}"
        )


def dense_forward(a: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The seed article's dense layer ``y = sigma(W^T a + b)`` with the logistic sigmoid.

    ``a`` is ``(n_in,)`` or a batch ``(B, n_in)``, ``W`` is ``(n_in, n_out)``, ``b`` is ``(n_out,)``;
    for a batch of row vectors ``W^T a`` is ``a @ W``.
    """
    _check_dense(a, W, b)
    return torch.sigmoid(a @ W + b)


def dense_backward(
    a: torch.Tensor, W: torch.Tensor, b: torch.Tensor, grad_y: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Gradients ``(dL/da, dL/dW, dL/db)`` of a loss L through ``y = sigma(a @ W + b)``.

    With ``z = a @ W + b`` and ``sigma'(z) = sigma(z)(1 - sigma(z))``:
    ``dL/dz = dL/dy * y (1 - y)``, ``dL/db = sum over the batch of dL/dz``,
    ``dL/dW = a^T dL/dz`` (an outer product per sample) and ``dL/da = dL/dz W^T``.
    """
    y = dense_forward(a, W, b)
    dz = grad_y * y * (1 - y)  # (B, n_out) or (n_out,)
    a2, dz2 = a.reshape(-1, W.shape[0]), dz.reshape(-1, W.shape[1])  # (B, n_in), (B, n_out)
    return dz @ W.T, a2.T @ dz2, dz2.sum(0)
