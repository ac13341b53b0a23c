"""A MoCoGAN-style generator: fixed content, recurrent motion (Tulyakov et al. 2018).

MoCoGAN (arXiv:1707.04993, sec. 3) splits a clip's latent code in two:

- the content code ``z_C ~ N(0, I)``, drawn once per clip and repeated for every frame
  (who or what is in the video);
- the motion codes ``z_M(t) = h(t)``, the hidden states of a GRU driven by fresh noise
  ``eps(t) ~ N(0, I)`` at every step (how it moves): ``h(t) = GRU(eps(t), h(t-1))``.
  Here ``h(0) = 0``: a Gaussian ``h(0)`` (unbounded, unlike the GRU's later states, which stay
  in (-1, 1)) made the first frame look unlike the others in our runs.

A 2-D frame generator maps each ``[z_C, z_M(t), embed(y)]`` to one frame, and the frames stack into
the clip. The optional class embedding ``embed(y)`` makes it class-conditional ("generate a 3").
"""

from __future__ import annotations

import torch
from torch import nn

from .config import ModelConfig
from .layers import class_embedding, g_norm, levels, sample_labels


class FrameGenerator(nn.Module):
    """DCGAN generator (Radford et al. 2016): a code (N, D) -> a frame (N, C, H, W) in [-1, 1].

    A 4x4 transposed convolution starts the map at 4x4 with ``ngf * 2**(L-1)`` channels; each
    next one doubles the size and halves the channels; ``tanh`` maps the last to [-1, 1].
    """

    def __init__(self, in_dim: int, cfg: ModelConfig):
        super().__init__()
        ch = cfg.ngf * 2 ** (levels(cfg.size) - 1)
        layers: list[nn.Module] = [nn.ConvTranspose2d(in_dim, ch, 4, 1, 0), g_norm(ch), nn.ReLU()]
        for _ in range(levels(cfg.size) - 1):
            layers += [nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1), g_norm(ch // 2), nn.ReLU()]
            ch //= 2
        layers += [nn.ConvTranspose2d(ch, cfg.channels, 4, 2, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        return self.net(code[:, :, None, None])  # (N, C, H, W)


class MoCoGANGenerator(nn.Module):
    """Content code + GRU motion codes + optional class -> clips (B, C, T, H, W) in [-1, 1]."""

    sample_options = ("frames",)  # sample(..., frames=T) may run past the training length

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.gru = nn.GRUCell(cfg.z_noise, cfg.z_motion)
        self.embed = class_embedding(cfg.num_classes, cfg.z_class)
        width = cfg.z_content + cfg.z_motion + (cfg.z_class if cfg.num_classes else 0)
        self.frame = FrameGenerator(width, cfg)

    def motion(self, h0: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """``z_M(t) = h(t) = GRU(eps(t), h(t-1))``: (B, zm), (B, T, zn) -> (B, T, zm)."""
        h, codes = h0, []
        for t in range(eps.shape[1]):
            h = self.gru(eps[:, t], h)
            codes.append(h)
        return torch.stack(codes, dim=1)  # (B, T, zm)

    def forward(self, z_content, h0, eps, labels=None) -> torch.Tensor:
        """Latents (see ``sample_latents``) -> clips (B, C, T, H, W)."""
        b, t = eps.shape[:2]
        z_m = self.motion(h0, eps)  # (B, T, zm)
        parts = [z_content[:, None].expand(b, t, -1), z_m]  # content fixed over time
        if self.embed is not None:
            parts.append(self.embed(labels)[:, None].expand(b, t, -1))
        code = torch.cat(parts, dim=2).reshape(b * t, -1)  # (B*T, D)
        frames = self.frame(code)  # (B*T, C, H, W)
        video = frames.reshape(b, t, *frames.shape[1:])  # (B, T, C, H, W)
        return video.transpose(1, 2)  # (B, C, T, H, W)

    def sample_latents(self, n, *, labels=None, generator=None, frames=None) -> dict:
        """Draw ``z_C`` (B, zc), ``eps`` (B, T, zn) and labels (B,) or None; ``h0`` (B, zm) = 0.

        ``frames`` may exceed the training length: the GRU simply runs longer.
        """
        cfg, dev = self.cfg, self.gru.weight_hh.device
        t = frames or cfg.frames
        draw = lambda *shape: torch.randn(*shape, generator=generator, device=dev)  # noqa: E731
        return {
            "z_content": draw(n, cfg.z_content),
            "h0": torch.zeros(n, cfg.z_motion, device=dev),
            "eps": draw(n, t, cfg.z_noise),
            "labels": sample_labels(n, cfg.num_classes, labels, generator, dev),
        }

    def sample(self, n: int, *, labels=None, generator=None, frames=None) -> torch.Tensor:
        """``n`` clips (B, C, T, H, W) in [-1, 1]; a seeded ``generator`` makes them repeatable."""
        return self(**self.sample_latents(n, labels=labels, generator=generator, frames=frames))
