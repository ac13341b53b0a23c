"""A video GAN: one generator and a dict of discriminators, each looking at part of a clip.

It owns its objective (``training_step``): the discriminators take ``n_critic`` updates on real
clips against generated ones, then the generator takes one update against the frozen
discriminators. Two Adam optimizers with two time-scale learning rates (Heusel et al. 2017).
"""

from __future__ import annotations

import torch
from torch import nn

from .config import ModelConfig
from .contract import StepContext, VideoModel, update
from .discriminators import ImageDiscriminator, VideoDiscriminator
from .layers import pick_frames, pick_window
from .losses import d_loss, g_loss, r1_penalty
from .mocogan import MoCoGANGenerator
from .vgan import VGANGenerator


class VideoGAN(VideoModel):
    """``.generator`` plus ``.discriminators`` (``"image"`` and/or ``"video"``).

    MoCoGAN (Tulyakov et al. 2018) uses both: the image D sees ``d_image_frames`` random frames
    per clip, the video D a window of ``d_frames`` consecutive frames. VGAN (Vondrick et al.
    2016) uses the video D alone.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.config = cfg
        self.generator = MoCoGANGenerator(cfg) if cfg.name == "mocogan" else VGANGenerator(cfg)
        ds = {"video": VideoDiscriminator(cfg)}
        if cfg.name == "mocogan" and cfg.d_image_frames:
            ds["image"] = ImageDiscriminator(cfg)
        self.discriminators = nn.ModuleDict(ds)

    def discriminate(self, video, labels=None, *, generator=None) -> dict[str, torch.Tensor]:
        """Clips (B, C, T, H, W) -> ``{name: logits}``; frames/windows drawn from ``generator``."""
        cfg, out = self.config, {}
        labels = labels if cfg.num_classes else None
        if "image" in self.discriminators:
            k = cfg.d_image_frames
            frames = pick_frames(video, k, generator)  # (B*k, C, H, W)
            lab = None if labels is None else labels.repeat_interleave(k)
            out["image"] = self.discriminators["image"](frames, lab)
        window = pick_window(video, cfg.d_frames, generator)  # (B, C, k, H, W)
        out["video"] = self.discriminators["video"](window, labels)
        return out

    # -- the objective --------------------------------------------------------------------------

    def configure_optimizers(self, train) -> dict[str, torch.optim.Optimizer]:
        """Adam for G (``lr_g``) and for the discriminators (``lr_d``): TTUR."""
        betas = (train.beta1, train.beta2)
        return {
            "g": torch.optim.Adam(self.generator.parameters(), lr=train.lr_g, betas=betas),
            "d": torch.optim.Adam(self.discriminators.parameters(), lr=train.lr_d, betas=betas),
        }

    def training_step(self, ctx: StepContext, optimizers: dict) -> dict[str, float]:
        """``n_critic`` discriminator updates, then one generator update."""
        out = {}
        for k in range(ctx.train.n_critic):
            out.update(self.d_update(ctx, optimizers["d"], k))
        out.update(self.g_update(ctx, optimizers["g"]))
        return out

    def d_update(self, ctx: StepContext, opt, k: int) -> dict[str, float]:
        """One discriminator update: L_D on real vs generated clips, plus R1 when asked."""
        cfg, names = ctx.train, list(self.discriminators)
        gen = ctx.rng(2 * k)
        video, labels = ctx.real(k)  # (B, C, T, H, W), (B,) or None
        with torch.no_grad(), ctx.autocast():
            fake = self.generator.sample(cfg.batch, labels=labels, generator=gen)
        video.requires_grad_(cfg.r1 > 0)
        with ctx.autocast():
            real_logits = self.discriminate(video, labels, generator=gen)
            fake_logits = self.discriminate(fake.float(), labels, generator=gen)
        loss = sum(
            d_loss(real_logits[d].float(), fake_logits[d].float(), kind=cfg.loss) for d in names
        )
        out = {"d_loss": ctx.finite("discriminator loss", loss)}
        if cfg.r1 > 0:
            r1 = sum(r1_penalty(real_logits[d].float(), video, gamma=cfg.r1) for d in names)
            out["r1"] = ctx.finite("R1 penalty", r1)
            loss = loss + r1
        for d in names:
            out[f"real_{d}"] = float(real_logits[d].detach().float().mean())
            out[f"fake_{d}"] = float(fake_logits[d].detach().float().mean())
        update(opt, loss)
        return out

    def g_update(self, ctx: StepContext, opt) -> dict[str, float]:
        """One generator update: L_G summed over the discriminators (which stay frozen)."""
        cfg, gen = ctx.train, ctx.rng(63)
        labels = None
        if self.config.num_classes:
            labels = torch.randint(
                0, self.config.num_classes, (cfg.batch,), generator=gen, device=ctx.device
            )
        self.discriminators.requires_grad_(False)
        try:
            with ctx.autocast():
                fake = self.generator.sample(cfg.batch, labels=labels, generator=gen)
                logits = self.discriminate(fake, labels, generator=gen)
            loss = sum(g_loss(logits[d].float(), kind=cfg.loss) for d in logits)
            out = {"g_loss": ctx.finite("generator loss", loss)}
            update(opt, loss)
        finally:
            self.discriminators.requires_grad_(True)
        return out
