"""A VGAN-style two-stream generator (Vondrick, Pirsiavash & Torralba 2016, arXiv:1609.02612).

The scene is split into a moving foreground and a static background (sec. 3.1):

    G(z) = m(z) * f(z) + (1 - m(z)) * b(z)

``f`` (B, C, T, H, W) and the mask ``m`` (B, 1, T, H, W) in [0, 1] come from one stack of 3-D
transposed convolutions; ``b`` (B, C, H, W) comes from a 2-D stack and is the same for every frame.
The paper trains it against a 3-D-convolution video discriminator alone.
"""

from __future__ import annotations

import torch
from torch import nn

from .config import ModelConfig
from .layers import class_embedding, g_norm, levels, sample_labels
from .mocogan import FrameGenerator


def time_doublings(frames: int, ups: int) -> int:
    """How many of the ``ups`` upsampling layers also double time (factors of 2 in ``frames``)."""
    k = 0
    while k < ups and frames % 2 ** (k + 1) == 0:
        k += 1
    return k


class VGANGenerator(nn.Module):
    """z (B, zc) [+ class] -> clips (B, C, T, H, W) in [-1, 1] as ``m*f + (1-m)*b``."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = class_embedding(cfg.num_classes, cfg.z_class)
        width = cfg.z_content + (cfg.z_class if cfg.num_classes else 0)
        ups = levels(cfg.size)
        k = time_doublings(cfg.frames, ups)
        t0 = cfg.frames // 2**k
        ch = cfg.ngf * 2 ** (ups - 1)
        layers: list[nn.Module] = [nn.ConvTranspose3d(width, ch, (t0, 4, 4)), g_norm(ch), nn.ReLU()]
        for i in range(ups - 1):
            layers += [self._up(ch, ch // 2, double_time=i < k), g_norm(ch // 2), nn.ReLU()]
            ch //= 2
        self.foreground = nn.Sequential(*layers)
        self.to_rgb_mask = self._up(ch, cfg.channels + 1, double_time=ups - 1 < k)
        self.background = FrameGenerator(width, cfg)

    @staticmethod
    def _up(c_in: int, c_out: int, *, double_time: bool) -> nn.ConvTranspose3d:
        """Double H and W, and T when asked (kernel 4 stride 2, or kernel 3 stride 1 in time)."""
        if double_time:
            return nn.ConvTranspose3d(c_in, c_out, 4, 2, 1)
        return nn.ConvTranspose3d(c_in, c_out, (3, 4, 4), (1, 2, 2), (1, 1, 1))

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.embed is not None:
            z = torch.cat([z, self.embed(labels)], dim=1)  # (B, D)
        h = self.foreground(z[:, :, None, None, None])  # (B, ngf, T, H/2, W/2)
        out = self.to_rgb_mask(h)  # (B, C + 1, T, H, W)
        f = torch.tanh(out[:, :-1])  # (B, C, T, H, W)
        m = torch.sigmoid(out[:, -1:])  # (B, 1, T, H, W)
        b = self.background(z)[:, :, None]  # (B, C, 1, H, W), static over time
        return m * f + (1 - m) * b  # (B, C, T, H, W)

    def sample(self, n: int, *, labels=None, generator=None) -> torch.Tensor:
        """``n`` clips (B, C, T, H, W) in [-1, 1]; a seeded ``generator`` makes them repeatable."""
        dev = self.to_rgb_mask.weight.device
        z = torch.randn(n, self.cfg.z_content, generator=generator, device=dev)
        return self(z, sample_labels(n, self.cfg.num_classes, labels, generator, dev))
