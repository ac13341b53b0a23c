"""The model configuration: one dataclass, saved in every checkpoint as a plain dict."""

from __future__ import annotations

from dataclasses import dataclass

from vidgen_edu.config import StrictConfig

MODEL_NAMES = ("mocogan", "vgan", "vae")
SIZES = (16, 32, 64)


@dataclass
class ModelConfig(StrictConfig):
    """Named defaults for every model; each field says its unit or range.

    ``private=True`` builds discriminators that Opacus accepts (GroupNorm, no in-place activations,
    no spectral norm: Opacus 1.6 cannot compute per-sample gradients through spectral norm).
    """

    name: str = "mocogan"  # "mocogan" | "vgan" | "vae"
    channels: int = 1  # colour channels C: 1 (grey) or 3 (RGB)
    frames: int = 16  # clip length T in frames, >= 2
    size: int = 32  # frame height = width in pixels: 16, 32 or 64
    num_classes: int = 0  # 0 = unconditional; else class-conditional (digit / shape class)
    z_content: int = 50  # content code z_C, fixed per clip (MoCoGAN); z for VGAN; unused by vae
    z_motion: int = 10  # motion code z_M(t) = GRU hidden state, per frame (MoCoGAN)
    z_noise: int = 10  # noise eps(t) driving the GRU, per frame (MoCoGAN)
    z_class: int = 16  # class-embedding width concatenated to the generator's input
    ngf: int = 32  # generator width: channels of the last hidden layer (doubled per level up)
    ndf: int = 32  # discriminator width: channels of the first layer (doubled per level down)
    d_frames: int = 8  # consecutive frames the video D sees (a random window); 0 = all frames
    d_image_frames: int = 2  # frames per clip the image D sees (MoCoGAN); 0 = no image D
    spectral_norm: bool = (
        True  # spectral norm on every D layer (Miyato et al. 2018); non-private only
    )
    private: bool = False  # Opacus-compatible D: GroupNorm, no in-place ops, no spectral norm
    vae_latent: int = 8  # vae: channels of the latent grid (T/4, H/4, W/4)
    vae_sigma: float = 0.1  # vae: decoder std of the Gaussian likelihood, in [-1, 1] pixel units
    vae_beta: float = 1.0  # vae: weight of the KL term (1 = the ELBO; Higgins et al. 2017 for > 1)

    def __post_init__(self):
        if self.name not in MODEL_NAMES:
            raise ValueError(
                f"unknown model {self.name!r}: expected one of {', '.join(MODEL_NAMES)}"
            )
        if self.size not in SIZES:
            raise ValueError(f"size={self.size} is not supported: choose one of {SIZES}")
        if self.channels not in (1, 3):
            raise ValueError(f"channels={self.channels}: expected 1 (grey) or 3 (RGB)")
        if self.frames < 2:
            raise ValueError(f"frames={self.frames}: a video needs at least 2 frames")
        if self.num_classes < 0:
            raise ValueError(f"num_classes={self.num_classes}: expected 0 (unconditional) or more")
        if self.d_frames < 0 or self.d_frames > self.frames:
            raise ValueError(
                f"d_frames={self.d_frames}: expected 0 (all) up to frames={self.frames}"
            )
        if self.private and self.spectral_norm:
            raise ValueError(
                "private=True with spectral_norm=True: Opacus cannot train through spectral norm; "
                "set spectral_norm=False for a private model"
            )
