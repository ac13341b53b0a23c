"""A small space-time factorised U-Net: the denoiser of the flow model (``flow.py``).

Video diffusion models factorise space and time to keep a 3-D network affordable (Ho et al. 2022,
"Video Diffusion Models", arXiv:2204.03458, sec. 3: a 2-D U-Net applied per frame, with temporal
attention after each spatial block). This one is that idea at the size of a CPU:

- every frame goes through the same 2-D residual U-Net (widths ``w, 2w, 4w``, after a 2x2
  pixel-unshuffle so that the first level already runs at half the resolution);
- after every spatial block a temporal convolution (kernel 3 along T, 1x1 in space) mixes
  neighbouring frames, and at the lowest resolution temporal self-attention lets every frame see
  every other one (that is where a digit's identity is held constant across the clip);
- the flow time ``t`` (sinusoidal features, then an MLP) and the class (an embedding with one
  extra "null" class for classifier-free guidance) modulate each block by a scale and a shift of
  its normalised activations (FiLM; Perez et al. 2018, arXiv:1709.07871).

Temporal layers start as the identity (their output projection is zero), so at initialisation the
network is a per-frame image model and learns motion on top (Ho et al. 2022 do the same).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def to_frames(x: torch.Tensor) -> torch.Tensor:
    """(B, C, T, H, W) -> (B*T, C, H, W)."""
    b, c, t, h, w = x.shape
    return x.transpose(1, 2).reshape(b * t, c, h, w)  # (B*T, C, H, W)


def to_video(x: torch.Tensor, t: int) -> torch.Tensor:
    """(B*T, C, H, W) -> (B, C, T, H, W)."""
    bt, c, h, w = x.shape
    return x.reshape(bt // t, t, c, h, w).transpose(1, 2)  # (B, C, T, H, W)


def time_features(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal features of flow times ``t`` in [0, 1], (B,) -> (B, dim) (Vaswani et al. 2017)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10_000.0) * torch.arange(half, device=t.device) / half)
    angles = 1000.0 * t[:, None].float() * freqs[None]  # (B, half)
    return torch.cat([angles.sin(), angles.cos()], dim=1)  # (B, dim)


def zero(module: nn.Module) -> nn.Module:
    """``module`` with zero weights and bias: its residual branch starts as the identity."""
    for p in module.parameters():
        nn.init.zeros_(p)
    return module


def norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(8, channels), channels)


class FrameBlock(nn.Module):
    """A per-frame 2-D residual block, FiLM-modulated by the embedding: (B*T, Ci, H, W) -> Co."""

    def __init__(self, c_in: int, c_out: int, emb: int):
        super().__init__()
        self.norm1, self.conv1 = norm(c_in), nn.Conv2d(c_in, c_out, 3, padding=1)
        self.film = nn.Linear(emb, 2 * c_out)
        self.norm2, self.conv2 = norm(c_out), zero(nn.Conv2d(c_out, c_out, 3, padding=1))
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))  # (B*T, Co, H, W)
        scale, shift = self.film(e)[:, :, None, None].chunk(2, dim=1)  # (B*T, Co, 1, 1) each
        h = self.norm2(h) * (1 + scale) + shift
        return self.skip(x) + self.conv2(F.silu(h))


class TemporalConv(nn.Module):
    """x + conv_t(x): a kernel-3 convolution along time only, on (B, C, T, H, W)."""

    def __init__(self, channels: int):
        super().__init__()
        self.norm = norm(channels)
        self.conv = zero(nn.Conv3d(channels, channels, (3, 1, 1), padding=(1, 0, 0)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(F.silu(self.norm(x)))  # (B, C, T, H, W)


class TemporalAttention(nn.Module):
    """x + attention over the T frames at each pixel, on (B, C, T, H, W), with frame positions."""

    def __init__(self, channels: int, frames: int, heads: int = 4):
        super().__init__()
        self.norm = norm(channels)
        self.pos = nn.Parameter(torch.zeros(frames, channels))  # learned frame positions
        self.attn = nn.MultiheadAttention(channels, heads, batch_first=True)
        zero(self.attn.out_proj)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, t, h, w = x.shape
        seq = self.norm(x).permute(0, 3, 4, 2, 1).reshape(b * h * w, t, c)  # (B*H*W, T, C)
        seq = seq + self.pos[:t]
        out, _ = self.attn(seq, seq, seq, need_weights=False)  # (B*H*W, T, C)
        out = out.reshape(b, h, w, t, c).permute(0, 4, 3, 1, 2)  # (B, C, T, H, W)
        return x + out


class Level(nn.Module):
    """One U-Net level: a frame block, a temporal conv and (optionally) temporal attention."""

    def __init__(self, c_in: int, c_out: int, emb: int, frames: int, attention: bool):
        super().__init__()
        self.block = FrameBlock(c_in, c_out, emb)
        self.tconv = TemporalConv(c_out)
        self.attn = TemporalAttention(c_out, frames) if attention else None

    def forward(self, x: torch.Tensor, e: torch.Tensor, t: int) -> torch.Tensor:
        x = to_video(self.block(x, e), t)  # (B, C, T, H, W)
        x = self.tconv(x)
        if self.attn is not None:
            x = self.attn(x)
        return to_frames(x)  # (B*T, C, H, W)


class SpaceTimeUNet(nn.Module):
    """Velocity field ``v(x_t, t, y)``: (B, C, T, H, W), (B,), (B,) -> (B, C, T, H, W).

    ``labels`` are class ids; the id ``num_classes`` is the "no class" of classifier-free
    guidance (``None`` means no class for all, and an unconditional model ignores labels).
    """

    def __init__(self, *, channels: int, frames: int, width: int, num_classes: int):
        super().__init__()
        w, emb = width, 4 * width
        self.frames, self.num_classes, self.tdim = frames, num_classes, w
        self.time_mlp = nn.Sequential(nn.Linear(w, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.class_embed = nn.Embedding(num_classes + 1, emb) if num_classes else None
        self.stem = nn.Conv2d(4 * channels, w, 3, padding=1)  # after the 2x2 pixel-unshuffle
        self.down0 = Level(w, w, emb, frames, attention=False)
        self.pool0 = nn.Conv2d(w, w, 3, stride=2, padding=1)
        self.down1 = Level(w, 2 * w, emb, frames, attention=False)
        self.pool1 = nn.Conv2d(2 * w, 2 * w, 3, stride=2, padding=1)
        self.mid0 = Level(2 * w, 4 * w, emb, frames, attention=True)
        self.mid1 = Level(4 * w, 4 * w, emb, frames, attention=True)
        self.up1 = Level(4 * w + 2 * w, 2 * w, emb, frames, attention=False)
        self.up0 = Level(2 * w + w, w, emb, frames, attention=False)
        self.head = nn.Sequential(
            norm(w), nn.SiLU(), zero(nn.Conv2d(w, 4 * channels, 3, padding=1))
        )

    def embedding(self, t: torch.Tensor, labels: torch.Tensor | None, frames: int) -> torch.Tensor:
        """Time (+ class) embedding per frame: (B*T, E)."""
        e = self.time_mlp(time_features(t, self.tdim))  # (B, E)
        if self.class_embed is not None:
            if labels is None:
                labels = torch.full_like(t, self.num_classes, dtype=torch.long)
            e = e + self.class_embed(labels)
        return e.repeat_interleave(frames, dim=0)  # (B*T, E)

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels=None) -> torch.Tensor:
        frames = x.shape[2]
        e = self.embedding(t, labels, frames)
        h = self.stem(F.pixel_unshuffle(to_frames(x), 2))  # (B*T, w, H/2, W/2)
        s0 = self.down0(h, e, frames)  # (B*T, w, H/2, W/2)
        s1 = self.down1(self.pool0(s0), e, frames)  # (B*T, 2w, H/4, W/4)
        h = self.mid1(self.mid0(self.pool1(s1), e, frames), e, frames)  # (B*T, 4w, H/8, W/8)
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")  # (B*T, 4w, H/4, W/4)
        h = self.up1(torch.cat([h, s1], dim=1), e, frames)  # (B*T, 2w, H/4, W/4)
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")  # (B*T, 2w, H/2, W/2)
        h = self.up0(torch.cat([h, s0], dim=1), e, frames)  # (B*T, w, H/2, W/2)
        out = F.pixel_shuffle(self.head(h), 2)  # (B*T, C, H, W)
        return to_video(out, frames)  # (B, C, T, H, W)
