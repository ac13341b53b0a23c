"""Video generators and discriminators.

- ``mocogan``: content code + GRU motion codes + 2-D frame generator (Tulyakov et al. 2018),
  judged by an image D and a 3-D video D.
- ``vgan``: 3-D foreground + mask over a static 2-D background (Vondrick et al. 2016), video D.
- ``vae``: a 3-D convolutional VAE (Kingma & Welling 2013), no discriminator.
- ``flow``: a space-time factorised U-Net trained by rectified flow, sampled by an ODE solver with
  classifier-free guidance (Liu et al. 2023; Ho & Salimans 2022).

>>> model = build_model(ModelConfig(name="mocogan", size=16, frames=4, ngf=8, ndf=8, d_frames=4))
>>> model.generator.sample(2).shape
torch.Size([2, 1, 4, 16, 16])
"""

from __future__ import annotations

from vidgen_edu.errors import UsageError

from .config import MODEL_NAMES, ModelConfig
from .contract import Generator, StepContext, VideoModel
from .flow import VideoFlow
from .gan import VideoGAN
from .vae import VideoVAE

# model name -> family class; a new family is one line here and its name in config.MODEL_NAMES
FAMILIES: dict[str, type[VideoModel]] = {
    "mocogan": VideoGAN,
    "vgan": VideoGAN,
    "vae": VideoVAE,
    "flow": VideoFlow,
}
assert set(FAMILIES) == set(MODEL_NAMES), "every model name needs a family"


def build_model(cfg: ModelConfig) -> VideoModel:
    """The model ``cfg.name`` names (see ``contract.py`` for what every family offers)."""
    if not isinstance(cfg, ModelConfig):
        raise UsageError(f"build_model expects a ModelConfig, got {type(cfg).__name__}")
    return FAMILIES[cfg.name](cfg)


__all__ = [
    "FAMILIES",
    "MODEL_NAMES",
    "Generator",
    "ModelConfig",
    "StepContext",
    "VideoFlow",
    "VideoGAN",
    "VideoModel",
    "VideoVAE",
    "build_model",
]
