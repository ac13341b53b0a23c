"""The per-sample gradients and norms of a Conv3d (privacy/per_sample.py) against torch.func."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from vidgen_edu.data.fixed import FixedDigits
from vidgen_edu.errors import ConfigError
from vidgen_edu.privacy.per_sample import (
    conv3d_norm_sample,
    conv3d_weight_per_sample,
    ghost_is_cheaper,
)

LAYERS = [  # (C_in, C_out, kernel, stride, padding, input T, H, W): the discriminator's and odd ones
    (1, 8, (4, 4, 4), (2, 2, 2), (1, 1, 1), (8, 16, 16)),
    (8, 16, (3, 4, 4), (1, 2, 2), (1, 1, 1), (1, 8, 8)),
    (16, 32, (4, 4, 4), (2, 2, 2), (1, 1, 1), (2, 4, 4)),
    (2, 3, (3, 3, 3), (1, 1, 1), (0, 0, 0), (5, 7, 9)),
]


def reference(conv: nn.Conv3d, x: torch.Tensor, g: torch.Tensor) -> dict:
    """Per-sample gradients of ``<conv(x_b), g_b>`` by torch.func (vmap of grad)."""
    params = {k: v.detach() for k, v in conv.named_parameters()}

    def loss(p, xb, gb):
        return (functional_call(conv, p, (xb[None],))[0] * gb).sum()

    return vmap(grad(loss), in_dims=(None, 0, 0))(params, x, g)


@pytest.mark.parametrize("layer", LAYERS)
def test_per_sample_weight_gradients_and_norms_match_torch_func(layer):
    c_in, c_out, k, s, p, shape = layer
    torch.manual_seed(0)
    conv = nn.Conv3d(c_in, c_out, k, s, p).double()
    x = torch.randn(5, c_in, *shape, dtype=torch.float64)
    g = torch.randn_like(conv(x))
    ref = reference(conv, x, g)
    assert torch.allclose(conv3d_weight_per_sample(x, g, conv), ref["weight"], atol=1e-10)
    norms = conv3d_norm_sample(conv, [x], g)
    assert torch.allclose(norms[conv.weight], ref["weight"].flatten(1).norm(dim=1), rtol=1e-9)
    assert torch.allclose(norms[conv.bias], ref["bias"].norm(dim=1), rtol=1e-9)


def test_the_ghost_route_is_taken_where_positions_are_few():
    # the discriminator's last layer: 16 positions, 4096 inputs, 128 outputs: Gram matrices win
    assert ghost_is_cheaper(16, 64 * 64, 128)
    # its first layer: 1024 positions, 64 inputs, 32 outputs: the gradient itself is cheaper
    assert not ghost_is_cheaper(1024, 64, 32)


def test_a_fixed_set_keeps_members_and_held_out_digits_apart():
    data = FixedDigits(size=16, frames=4, clips=40, per_source=2, seed=3)
    assert len(data) == 40 and len(data.sources) == 20
    assert not set(data.sources.tolist()) & set(data.held_out.tolist())
    assert torch.equal(data.members.labels, data.all_labels[data.sources.repeat_interleave(2)])
    again = FixedDigits(size=16, frames=4, clips=40, per_source=2, seed=3)
    assert torch.equal(data.members.video, again.members.video)  # a fixed set is fixed
    rates = [
        len(data.poisson(0.25, generator=torch.Generator().manual_seed(i))) for i in range(200)
    ]
    assert sum(rates) / len(rates) == pytest.approx(10, rel=0.1)  # q N
    assert data.nonmembers(5).video.shape == (5, 1, 4, 16, 16)
    with pytest.raises(ConfigError, match="held-out"):
        data.nonmembers(len(data.held_out) + 1)
    with pytest.raises(ConfigError, match="held out"):
        FixedDigits(size=16, frames=4, clips=1797, seed=0)
