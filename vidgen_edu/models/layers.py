"""Small building blocks shared by the generators and discriminators.

- ``maybe_sn``: spectral normalization (Miyato et al. 2018, arXiv:1802.05957) on request.
- ``d_norm``: GroupNorm in a private discriminator (Opacus cannot use BatchNorm, which mixes
  samples), nothing otherwise (spectral norm already bounds each layer).
- ``ProjectionHead``: the projection discriminator's output (Miyato & Koyama 2018,
  arXiv:1802.05637): ``D(x, y) = w^T phi(x) + embed(y)^T phi(x)``.
- ``pick_frames`` / ``pick_window``: what the image and video discriminators look at.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from vidgen_edu.errors import UsageError


def levels(size: int) -> int:
    """How many factor-2 steps separate a 4x4 feature map from ``size`` pixels (16 -> 2)."""
    return int(math.log2(size // 4))


def maybe_sn(module: nn.Module, enabled: bool) -> nn.Module:
    """Wrap ``module`` in spectral norm when ``enabled``."""
    return spectral_norm(module) if enabled else module


def leaky() -> nn.Module:
    """LeakyReLU(0.2), never in place (in-place ops break Opacus's backward hooks)."""
    return nn.LeakyReLU(0.2, inplace=False)


def d_norm(channels: int, private: bool) -> nn.Module:
    """GroupNorm for a private D (per-sample statistics), identity otherwise."""
    return nn.GroupNorm(min(8, channels), channels) if private else nn.Identity()


def g_norm(channels: int) -> nn.Module:
    """GroupNorm in the generators: the same in train and eval mode, independent of batch size."""
    return nn.GroupNorm(min(8, channels), channels)


class ProjectionHead(nn.Module):
    """``logit = w^T phi + <embed(y), phi>`` on pooled features ``phi`` (B, F).

    Miyato & Koyama 2018, eq. (3): the class enters as an inner product with the features,
    not by concatenation, which makes a conditional D as stable as an unconditional one.
    """

    def __init__(self, features: int, num_classes: int, *, sn: bool):
        super().__init__()
        self.linear = maybe_sn(nn.Linear(features, 1), sn)
        self.embed = maybe_sn(nn.Embedding(num_classes, features), sn) if num_classes else None

    def forward(self, phi: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        out = self.linear(phi).squeeze(1)  # (B,)
        if self.embed is not None:
            if labels is None:
                raise UsageError("this discriminator is class-conditional: pass labels (B,) int64")
            out = out + (self.embed(labels) * phi).sum(1)
        return out


def pick_frames(video: torch.Tensor, k: int, generator: torch.Generator | None) -> torch.Tensor:
    """``k`` random frames of each clip: (B, C, T, H, W) -> (B * k, C, H, W).

    The image discriminator of MoCoGAN (Tulyakov et al. 2018, sec. 3.1) judges single frames.
    """
    b, c, t, h, w = video.shape
    idx = torch.randint(0, t, (b, k), generator=generator, device=video.device)  # (B, k)
    idx = idx[:, None, :, None, None].expand(b, c, k, h, w)
    frames = video.gather(2, idx)  # (B, C, k, H, W)
    return frames.transpose(1, 2).reshape(b * k, c, h, w)  # (B*k, C, H, W)


def pick_window(video: torch.Tensor, k: int, generator: torch.Generator | None) -> torch.Tensor:
    """A random window of ``k`` consecutive frames per clip: (B, C, T, H, W) -> (B, C, k, H, W).

    Fewer frames make the 3-D discriminator, the most expensive part of a step, cheaper.
    """
    b, c, t, h, w = video.shape
    if k == 0 or k == t:
        return video
    start = torch.randint(0, t - k + 1, (b, 1), generator=generator, device=video.device)
    idx = start + torch.arange(k, device=video.device)  # (B, k)
    idx = idx[:, None, :, None, None].expand(b, c, k, h, w)
    return video.gather(2, idx)  # (B, C, k, H, W)


def class_embedding(num_classes: int, width: int) -> nn.Embedding | None:
    """A learned class embedding for a conditional generator, ``None`` when unconditional."""
    return nn.Embedding(num_classes, width) if num_classes else None


def sample_labels(n: int, num_classes: int, labels, generator, device) -> torch.Tensor | None:
    """Check given labels or draw uniform ones; ``None`` for an unconditional model."""
    if not num_classes:
        if labels is not None:
            raise UsageError("this model is unconditional (num_classes=0): do not pass labels")
        return None
    if labels is None:
        return torch.randint(0, num_classes, (n,), generator=generator, device=device)
    labels = torch.as_tensor(labels, dtype=torch.long, device=device).reshape(-1)
    if labels.numel() == 1:
        labels = labels.expand(n)
    if labels.numel() != n or labels.min() < 0 or labels.max() >= num_classes:
        raise UsageError(
            f"labels must be {n} class ids in 0..{num_classes - 1}, got {labels.tolist()[:8]}"
        )
    return labels
