"""A video VAE with 3-D convolutions (Kingma & Welling 2013, arXiv:1312.6114).

The encoder maps a clip x (B, C, T, H, W) to a Gaussian q(z|x) = N(mu, diag(exp(logvar))) over a
latent grid (B, L, T/4, H/4, W/4); the decoder maps z (and an optional class) back to a clip.
Training minimises the negative ELBO per clip:

    -ELBO = E_q[-log p(x|z)] + beta * KL(q(z|x) || N(0, I))
          = sum (x - x_hat)^2 / (2 sigma^2)  +  beta * 0.5 * sum (mu^2 + exp(logvar) - 1 - logvar)

(the Gaussian likelihood with fixed std ``sigma``, its constant dropped; beta = 1 is the ELBO).
"""

from __future__ import annotations

import torch
from torch import nn

from .config import ModelConfig
from .contract import StepContext, VideoModel, update
from .layers import class_embedding, g_norm, sample_labels
from .vgan import time_doublings


def _stride(i: int, k: int) -> tuple[int, int, int]:
    return (2 if i < k else 1, 2, 2)


class VAEDecoder(nn.Module):
    """Latent grid (B, L, t, H/4, W/4) [+ class] -> clips (B, C, T, H, W) in [-1, 1]."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.k = time_doublings(cfg.frames, 2)
        self.embed = class_embedding(cfg.num_classes, cfg.z_class)
        c_in = cfg.vae_latent + (cfg.z_class if cfg.num_classes else 0)
        w = cfg.ngf
        kt = lambda i: 4 if i < self.k else 3  # noqa: E731  (kernel 4 when time doubles)
        self.net = nn.Sequential(
            nn.Conv3d(c_in, 2 * w, 3, 1, 1),
            g_norm(2 * w),
            nn.ReLU(),
            nn.ConvTranspose3d(2 * w, w, (kt(1), 4, 4), _stride(1, self.k), 1),
            g_norm(w),
            nn.ReLU(),
            nn.ConvTranspose3d(w, cfg.channels, (kt(0), 4, 4), _stride(0, self.k), 1),
            nn.Tanh(),
        )

    def latent_shape(self) -> tuple[int, int, int, int]:
        cfg = self.cfg
        return (cfg.vae_latent, cfg.frames // 2**self.k, cfg.size // 4, cfg.size // 4)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.embed is not None:
            e = self.embed(labels)[:, :, None, None, None].expand(-1, -1, *z.shape[2:])
            z = torch.cat([z, e], dim=1)  # (B, L + E, t, h, w)
        return self.net(z)  # (B, C, T, H, W)

    def sample(self, n: int, *, labels=None, generator=None) -> torch.Tensor:
        """Decode ``n`` draws from the prior N(0, I): clips (B, C, T, H, W) in [-1, 1]."""
        dev = self.net[0].weight.device
        z = torch.randn(n, *self.latent_shape(), generator=generator, device=dev)
        return self(z, sample_labels(n, self.cfg.num_classes, labels, generator, dev))


class VideoVAE(VideoModel):
    """Encoder + decoder; ``.generator`` is the decoder. It owns its objective (the ELBO)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.config = cfg
        k, w = time_doublings(cfg.frames, 2), cfg.ndf
        self.encoder = nn.Sequential(
            nn.Conv3d(cfg.channels, w, (4 if k > 0 else 3, 4, 4), _stride(0, k), 1),
            nn.SiLU(),
            nn.Conv3d(w, 2 * w, (4 if k > 1 else 3, 4, 4), _stride(1, k), 1),
            g_norm(2 * w),
            nn.SiLU(),
            nn.Conv3d(2 * w, 2 * cfg.vae_latent, 3, 1, 1),
        )
        self.generator = VAEDecoder(cfg)

    def encode(self, video: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Clips (B, C, T, H, W) -> mu, logvar, each (B, L, t, H/4, W/4)."""
        mu, logvar = self.encoder(video).chunk(2, dim=1)
        return mu, logvar.clamp(-30, 20)

    def loss(self, video, labels=None, *, generator=None) -> tuple[torch.Tensor, dict]:
        """Negative ELBO per clip (see the module docstring), averaged over the batch.

        Returns ``(loss, stats)``; ``loss`` is divided by the number of values per clip so that
        learning rates do not depend on the clip size; ``stats`` holds per-clip ``recon``, ``kl``
        and ``nelbo`` in nats.
        """
        cfg = self.config
        mu, logvar = self.encode(video)
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        z = mu + torch.exp(0.5 * logvar) * eps  # reparameterisation trick
        x_hat = self.generator(z, labels if cfg.num_classes else None)
        recon = ((video - x_hat) ** 2).flatten(1).sum(1) / (2 * cfg.vae_sigma**2)  # (B,)
        kl = 0.5 * (mu**2 + logvar.exp() - 1 - logvar).flatten(1).sum(1)  # (B,)
        nelbo = recon + cfg.vae_beta * kl
        loss = nelbo.mean() / video[0].numel()
        stats = {"recon": recon.mean().item(), "kl": kl.mean().item(), "nelbo": nelbo.mean().item()}
        return loss, stats

    def configure_optimizers(self, train) -> dict[str, torch.optim.Optimizer]:
        """One Adam for encoder and decoder together, at ``lr_g``."""
        betas = (train.beta1, train.beta2)
        return {"vae": torch.optim.Adam(self.parameters(), lr=train.lr_g, betas=betas)}

    def training_step(self, ctx: StepContext, optimizers: dict) -> dict[str, float]:
        """One update of the negative ELBO (``loss``)."""
        video, labels = ctx.real(0)  # (B, C, T, H, W), (B,) or None
        with ctx.autocast():
            loss, stats = self.loss(video, labels, generator=ctx.rng(0))
        out = {"loss": ctx.finite("negative ELBO", loss), **stats}
        update(optimizers["vae"], loss)
        return out
