"""A video GAN: one generator and a dict of discriminators, each looking at part of a clip."""

from __future__ import annotations

import torch
from torch import nn

from .config import ModelConfig
from .discriminators import ImageDiscriminator, VideoDiscriminator
from .layers import pick_frames, pick_window
from .mocogan import MoCoGANGenerator
from .vgan import VGANGenerator


class VideoGAN(nn.Module):
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
