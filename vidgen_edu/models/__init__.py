"""Video generators and discriminators.

- ``mocogan``: content code + GRU motion codes + 2-D frame generator (Tulyakov et al. 2018),
  judged by an image D and a 3-D video D.
- ``vgan``: 3-D foreground + mask over a static 2-D background (Vondrick et al. 2016), video D.
- ``vae``: a 3-D convolutional VAE (Kingma & Welling 2013), no discriminator.

>>> model = build_model(ModelConfig(name="mocogan", size=16, frames=4, ngf=8, ndf=8))
>>> model.generator.sample(2).shape
torch.Size([2, 1, 4, 16, 16])
"""

from __future__ import annotations

from torch import nn

from .config import MODEL_NAMES, ModelConfig
from .gan import VideoGAN
from .vae import VideoVAE


def build_model(cfg: ModelConfig) -> nn.Module:
    """The model ``cfg.name`` names: a module with ``.generator`` and ``.discriminators``."""
    if not isinstance(cfg, ModelConfig):
        raise TypeError(f"build_model expects a ModelConfig, got {type(cfg).__name__}")
    return VideoVAE(cfg) if cfg.name == "vae" else VideoGAN(cfg)


__all__ = ["MODEL_NAMES", "ModelConfig", "VideoGAN", "VideoVAE", "build_model"]
