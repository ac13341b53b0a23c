"""Discriminators: a 2-D image D on single frames and a 3-D-convolution video D on clips.

Both follow DCGAN (Radford et al. 2016, arXiv:1511.06434): strided 4x4 convolutions halve the
frame until it is 4x4, LeakyReLU(0.2), then sum-pooled features ``phi`` go to a projection head
(``layers.ProjectionHead``) that makes them optionally class-conditional. MoCoGAN (Tulyakov et al.
2018, arXiv:1707.04993, sec. 3.1) uses the pair: the image D judges content and the video D
judges motion.
"""

from __future__ import annotations

import torch
from torch import nn

from .config import ModelConfig
from .layers import ProjectionHead, d_norm, leaky, levels, maybe_sn


class ImageDiscriminator(nn.Module):
    """Frames (N, C, H, W) in [-1, 1] -> logits (N,)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        sn, ch = cfg.spectral_norm, cfg.ndf
        layers: list[nn.Module] = [maybe_sn(nn.Conv2d(cfg.channels, ch, 4, 2, 1), sn), leaky()]
        for _ in range(levels(cfg.size) - 1):  # halve until 4x4
            layers += [maybe_sn(nn.Conv2d(ch, ch * 2, 4, 2, 1), sn), d_norm(ch * 2, cfg.private)]
            layers += [leaky()]
            ch *= 2
        self.body = nn.Sequential(*layers)
        self.head = ProjectionHead(ch, cfg.num_classes, sn=sn)

    def forward(self, frames: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        phi = self.body(frames).sum(dim=(2, 3))  # (N, F)
        return self.head(phi, labels)


class VideoDiscriminator(nn.Module):
    """Clips (B, C, T, H, W) in [-1, 1] -> logits (B,), with 3-D convolutions.

    Each layer halves height and width; it halves time too while more than one frame is left
    (kernel 4 in time when striding, 3 otherwise), so any clip length works.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        sn, ch = cfg.spectral_norm, cfg.ndf
        t = cfg.d_frames or cfg.frames
        layers: list[nn.Module] = []
        c_in = cfg.channels
        for i in range(levels(cfg.size)):  # halve until 4x4
            st = 2 if t > 1 else 1
            conv = nn.Conv3d(c_in, ch, (4 if st == 2 else 3, 4, 4), (st, 2, 2), (1, 1, 1))
            layers += [maybe_sn(conv, sn)]
            if i > 0:
                layers += [d_norm(ch, cfg.private)]
            layers += [leaky()]
            t = (t + 2 - 4) // 2 + 1 if st == 2 else t
            c_in, ch = ch, ch * 2
        self.body = nn.Sequential(*layers)
        self.head = ProjectionHead(c_in, cfg.num_classes, sn=sn)

    def forward(self, video: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        phi = self.body(video).sum(dim=(2, 3, 4))  # (B, F)
        return self.head(phi, labels)
