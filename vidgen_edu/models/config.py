"""The model configuration: one dataclass, saved in every checkpoint as a plain dict."""

from __future__ import annotations

from dataclasses import dataclass

from vidgen_edu.config import StrictConfig

MODEL_NAMES = ("mocogan", "vgan", "vae", "flow")
SIZES = (16, 32, 64)


@dataclass
class ModelConfig(StrictConfig):
    """Named defaults for every model; each field says its unit or range.

    ``private=True`` builds discriminators that Opacus accepts (GroupNorm, no in-place activations,
    no spectral norm: Opacus 1.6 cannot compute per-sample gradients through spectral norm).
    """

    section = "model"

    name: str = "mocogan"  # "mocogan" | "vgan" | "vae" | "flow"
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
    spectral_norm: bool = True  # spectral norm on every D layer (Miyato et al. 2018); not private
    private: bool = False  # Opacus-compatible D: GroupNorm, no in-place ops, no spectral norm
    vae_latent: int = 8  # vae: channels of the latent grid (T/4, H/4, W/4)
    vae_sigma: float = 0.1  # vae: decoder std of the Gaussian likelihood, in [-1, 1] pixel units
    vae_beta: float = 1.0  # vae: weight of the KL term (1 = the ELBO; Higgins et al. 2017 for > 1)
    flow_width: int = 24  # flow: U-Net width of the first level (then 2x, 4x); 24 -> ~0.7M params
    flow_label_dropout: float = 0.1  # flow: fraction of clips trained with the null class (CFG)
    flow_warmup: int = 100  # flow: steps of linear learning-rate warm-up from 0 to train.lr_g

    def problems(self) -> list[str]:
        found = []
        if self.name not in MODEL_NAMES:
            found.append(f"name={self.name!r}: expected one of {', '.join(MODEL_NAMES)}")
        if self.size not in SIZES:
            found.append(f"size={self.size}: expected one of {', '.join(map(str, SIZES))}")
        if self.channels not in (1, 3):
            found.append(f"channels={self.channels}: expected 1 (grey) or 3 (RGB)")
        if self.frames < 2:
            found.append(f"frames={self.frames}: a video needs at least 2 frames")
        if self.num_classes < 0:
            found.append(f"num_classes={self.num_classes}: expected 0 (unconditional) or more")
        if not 0 <= self.d_frames <= self.frames:
            found.append(f"d_frames={self.d_frames}: expected 0 (all) up to frames={self.frames}")
        widths = (
            "z_content",
            "z_motion",
            "z_noise",
            "z_class",
            "ngf",
            "ndf",
            "vae_latent",
            "flow_width",
        )
        found += [
            f"{k}={getattr(self, k)}: expected at least 1" for k in widths if getattr(self, k) < 1
        ]
        if self.d_image_frames < 0:
            found.append(f"d_image_frames={self.d_image_frames}: expected 0 (no image D) or more")
        if self.vae_sigma <= 0 or self.vae_beta < 0:
            found.append(
                f"vae_sigma={self.vae_sigma}, vae_beta={self.vae_beta}: "
                "expected sigma > 0 and beta >= 0"
            )
        if not 0 <= self.flow_label_dropout < 1 or self.flow_warmup < 0:
            found.append(
                f"flow_label_dropout={self.flow_label_dropout}, flow_warmup="
                f"{self.flow_warmup}: expected a dropout in [0, 1) and warm-up >= 0 steps"
            )
        if self.name == "flow" and self.flow_width % 8:
            found.append(
                f"flow_width={self.flow_width}: expected a multiple of 8 (GroupNorm "
                "groups and 4 attention heads)"
            )
        if self.private and self.spectral_norm:
            found.append(
                "private=True with spectral_norm=True: Opacus cannot train through "
                "spectral norm; set spectral_norm=False for a private model"
            )
        return found
