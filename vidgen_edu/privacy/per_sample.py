"""Per-sample gradients, and per-sample gradient NORMS, of a 3-D convolution, made cheap.

Opacus computes a convolution's per-sample weight gradients by unfolding the input (im2col, a
large copy) and a batched matrix product. For clip ``b``,

    dW_b[o, i, k] = sum_p  g_b[o, p] * x_b[i, s p + k - pad],

which is exactly the weight gradient of a batch of one: torch's own convolution backward,
called once per clip, computes it with the optimised kernel (a grouped convolution over the
batch, Rochette, Manoel and Tramel 2019, arXiv:1912.06015, gives the same numbers in one call but
measured slower here).

DP-SGD needs per-sample gradients only to clip them, that is, only their norms: with the norms,
one ordinary backward pass of ``sum_i c_i loss_i`` (``c_i = min(1, C / ||g_i||)``) gives the sum
of clipped gradients (ghost clipping: Goodfellow 2015; Li et al. 2022, ICLR). A layer's norm can
be computed two ways (Bu et al. 2022, "Scalable and Efficient Training of Large Convolutional
Neural Networks with Differential Privacy", NeurIPS: "mixed ghost clipping"):

- directly: form the per-sample weight gradient (``P * D * C_out`` multiply-adds per clip, for
  ``P`` output positions, ``D = C_in * k^3`` inputs per position) and take its norm;
- ghost: ``||sum_p g_p a_p^T||^2 = sum_{p,q} (a_p . a_q)(g_p . g_q)``, two P x P Gram matrices
  (``P^2 (D + C_out)`` per clip), never forming the gradient.

``conv3d_norm_sample`` picks the cheaper per layer: the early layers (many positions) directly,
the deep ones (few positions, many weights) by Gram matrices. Opacus 1.6 has norm samplers for
``Linear`` and ``Embedding`` only (a convolution falls back to full per-sample gradients);
``register()`` adds ours through its documented extension points and is called by
``privacy.dpgan``. ``benchmarks/dp_overhead.py`` measures what it buys.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv3d_weight_grads(x: torch.Tensor, g: torch.Tensor, conv: nn.Conv3d) -> list[torch.Tensor]:
    """Per-sample ``dL_b/dW`` (C_out, C_in, kt, kh, kw) for each clip ``b`` of input ``x`` (B, C_in, T, H, W)
    and output gradient ``g`` (B, C_out, T', H', W') of ``conv``, one tensor per clip (stacking
    them is a copy the norms do not need): the library's own weight
    gradient (``torch.nn.grad.conv3d_weight``) of one clip at a time. On this CPU it measured
    faster than both Opacus's im2col and one grouped convolution over the batch
    (``benchmarks/dp_overhead.py``; e.g. 9 ms against 37 and 18 for the second layer)."""
    return [
        torch.nn.grad.conv3d_weight(
            x[b : b + 1],
            conv.weight.shape,
            g[b : b + 1],
            conv.stride,
            conv.padding,
            conv.dilation,
            conv.groups,
        )
        for b in range(x.shape[0])
    ]


def conv3d_weight_per_sample(x: torch.Tensor, g: torch.Tensor, conv: nn.Conv3d) -> torch.Tensor:
    """``conv3d_weight_grads`` stacked: (B, C_out, C_in, kt, kh, kw)."""
    return torch.stack(conv3d_weight_grads(x, g, conv))


def conv3d_grad_sample(layer: nn.Conv3d, activations, backprops) -> dict:
    """Opacus's grad-sampler interface: ``{parameter: per-sample gradient (B, *shape)}``."""
    x = activations[0].to(backprops.dtype)
    out = {}
    if layer.weight.requires_grad:
        out[layer.weight] = conv3d_weight_per_sample(x, backprops, layer).contiguous()
    if layer.bias is not None and layer.bias.requires_grad:
        out[layer.bias] = backprops.sum(dim=(2, 3, 4))  # (B, C_out)
    return out


def patches(x: torch.Tensor, conv: nn.Conv3d) -> torch.Tensor:
    """The input patches each output position sees: (B, P, C_in * kt * kh * kw) (im2col)."""
    (kt, kh, kw), (st, sh, sw), (pt, ph, pw) = conv.kernel_size, conv.stride, conv.padding
    xp = F.pad(x, (pw, pw, ph, ph, pt, pt))
    u = xp.unfold(2, kt, st).unfold(3, kh, sh).unfold(4, kw, sw)  # (B, C, T', H', W', kt, kh, kw)
    b, c = x.shape[:2]
    return u.permute(0, 2, 3, 4, 1, 5, 6, 7).reshape(b, -1, c * kt * kh * kw)


def ghost_is_cheaper(positions: int, inputs: int, outputs: int) -> bool:
    """Gram matrices (P^2 (D + C_out)) cost less than the gradient itself (P D C_out)."""
    return positions * (inputs + outputs) < inputs * outputs


def conv3d_norm_sample(layer: nn.Conv3d, activations, backprops) -> dict:
    """Per-sample gradient norms ``{parameter: (B,)}`` of a Conv3d, the cheaper way per layer."""
    x = activations[0].to(backprops.dtype)
    b, c_out = backprops.shape[:2]
    g = backprops.reshape(b, c_out, -1)  # (B, C_out, P)
    out = {}
    if layer.weight.requires_grad:
        inputs = layer.weight[0].numel()  # D = C_in * k^3
        if ghost_is_cheaper(g.shape[2], inputs, c_out):
            a = patches(x, layer)  # (B, P, D)
            gram_a = a @ a.transpose(1, 2)  # (B, P, P)
            gram_g = g.transpose(1, 2) @ g  # (B, P, P)
            out[layer.weight] = (gram_a * gram_g).sum(dim=(1, 2)).clamp(min=0).sqrt()
        else:  # formed anyway: kept on the parameter, so the clipped sum need not recompute it
            grads = conv3d_weight_grads(x, backprops, layer)  # B tensors
            layer.weight.per_sample_grad = grads
            out[layer.weight] = torch.stack([w.norm() for w in grads])
    if layer.bias is not None and layer.bias.requires_grad:
        layer.bias.per_sample_grad = g.sum(dim=2)  # (B, C_out)
        out[layer.bias] = layer.bias.per_sample_grad.norm(dim=1)
    return out


def supported(layer: nn.Module) -> bool:
    return isinstance(layer, nn.Conv3d) and layer.groups == 1 and not isinstance(layer.padding, str)


def register() -> None:
    """Make Opacus use ours for ``nn.Conv3d`` (groups 1, numeric padding; else Opacus's own)."""
    from opacus.grad_sample import GradSampleModule, GradSampleModuleFastGradientClipping
    from opacus.grad_sample.conv import compute_conv_grad_sample

    def sampler(layer, activations, backprops):
        if supported(layer) and activations[0].shape[0]:
            return conv3d_grad_sample(layer, activations, backprops)
        return compute_conv_grad_sample(layer, activations, backprops)

    def norm_sampler(layer, activations, backprops):
        if supported(layer) and activations[0].shape[0]:
            return conv3d_norm_sample(layer, activations, backprops)
        grads = compute_conv_grad_sample(layer, activations, backprops)
        return {p: gs.flatten(1).norm(dim=1) for p, gs in grads.items()}

    GradSampleModule.GRAD_SAMPLERS[nn.Conv3d] = sampler
    GradSampleModuleFastGradientClipping.NORM_SAMPLERS[nn.Conv3d] = norm_sampler
