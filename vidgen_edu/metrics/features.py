"""The feature network of the offline FVD proxy, its input conversion and its loading.

FVD (Unterthiner et al. 2018, arXiv:1812.01717) is the Fréchet distance between features of an
I3D network trained on Kinetics; those weights come from the internet, which the course may not
use. Like TF-GAN's MNIST Fréchet distance with a shipped classifier, the course ships its own
small spatio-temporal network, trained on Moving Digits (``train_features.py``) to predict the
digit class and the direction of motion of single-digit clips. Its 32-d embedding (before the two
heads) is the feature of the FVD proxy; its per-frame content feature (the 2-D frame encoder,
averaged over space) is the feature of content consistency (ACD, ``motion.py``).

Architecture (input ``(B, 1, 16, 32, 32)`` in [-1, 1]):

- frame encoder, 2-D convolutions on each frame alone: 32x32 -> 16x16 -> 8x8 -> 8x8, GroupNorm + SiLU;
- motion encoder, 3-D convolutions over the frame maps: ``(T, H, W)`` 16x8x8 -> 8x4x4 -> 4x4x4;
- global average pooling, a linear layer to the embedding, and two linear heads (digit, motion);
- a third head reads the digit from each frame's content (frame maps averaged over space): it
  makes that per-frame feature, used by ACD, describe the digit's identity.

Any video is converted to that input by :func:`prepare`: RGB -> gray (ITU-R BT.601 luma), other
frame counts by uniform temporal resampling (nearest frame, no blending), other sizes by bilinear
interpolation with antialiasing.
"""

from __future__ import annotations

import functools
import pickle
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from vidgen_edu.assets import ASSETS, sha256_of, shipped, verify
from vidgen_edu.errors import AssetError, VideoError
from vidgen_edu.files import atomic_path
from vidgen_edu.video.tensors import frames_to_tensor

SHIPPED = ASSETS / "feature_net.pt"
LUMA = (0.299, 0.587, 0.114)  # ITU-R BT.601 weights of R, G, B


@dataclass(frozen=True)
class FeatureNetConfig:
    frames: int = 16  # T of the network input
    size: int = 32  # H = W of the network input, pixels
    width: int = 32  # channels of the frame encoder's output
    motion_width: int = 48  # channels of the 3-D motion encoder
    embed_dim: int = 32  # dimension of the FVD-proxy feature
    num_classes: int = 10  # digit classes
    num_motions: int = 4  # direction classes (sign of vx, sign of vy)


def _conv_block(conv: nn.Module, channels: int) -> nn.Sequential:
    return nn.Sequential(conv, nn.GroupNorm(min(8, channels // 4), channels), nn.SiLU())


class FeatureNet(nn.Module):
    """Small spatio-temporal CNN: 2-D frame encoder, 3-D motion encoder, embedding, two heads."""

    def __init__(self, config: FeatureNetConfig = FeatureNetConfig()):
        super().__init__()
        self.config = config
        w, m = config.width, config.motion_width
        self.frame_encoder = nn.Sequential(
            _conv_block(nn.Conv2d(1, 16, 3, stride=2, padding=1), 16),
            _conv_block(nn.Conv2d(16, w, 3, stride=2, padding=1), w),
            _conv_block(nn.Conv2d(w, w, 3, padding=1), w),
        )
        self.motion_encoder = nn.Sequential(
            _conv_block(nn.Conv3d(w, m, 3, stride=2, padding=1), m),
            _conv_block(nn.Conv3d(m, m, 3, stride=(2, 1, 1), padding=1), m),
        )
        self.embed = nn.Linear(m, config.embed_dim)
        self.digit_head = nn.Linear(config.embed_dim, config.num_classes)
        self.motion_head = nn.Linear(config.embed_dim, config.num_motions)
        self.frame_head = nn.Linear(w, config.num_classes)  # digit from one frame's content

    def frame_maps(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, 1, T, H, W)`` -> per-frame feature maps ``(B, width, T, H/4, W/4)``."""
        b, c, t, h, w = x.shape
        frames = x.transpose(1, 2).reshape(b * t, c, h, w)  # (B*T, 1, H, W)
        maps = self.frame_encoder(frames)  # (B*T, width, H/4, W/4)
        return maps.reshape(b, t, *maps.shape[1:]).transpose(1, 2)  # (B, width, T, H/4, W/4)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(B, 1, T, H, W)`` -> (per-frame content ``(B, T, width)``, embedding ``(B, D)``)."""
        maps = self.frame_maps(x)  # (B, width, T, h, w)
        content = maps.mean(dim=(3, 4)).transpose(1, 2)  # (B, T, width)
        h = self.motion_encoder(maps)  # (B, motion_width, T/4, H/8, W/8)
        return content, self.embed(h.mean(dim=(2, 3, 4)))  # (B, embed_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(B, 1, T, H, W)`` -> (embedding ``(B, D)``, digit logits, motion logits)."""
        _, z = self.encode(x)
        return z, self.digit_head(z), self.motion_head(z)


# --- input conversion ----------------------------------------------------------------------


def _as_video_tensor(video) -> torch.Tensor:
    if isinstance(video, np.ndarray):
        return frames_to_tensor(video)  # (B, C, T, H, W)
    if not isinstance(video, torch.Tensor):
        raise VideoError(
            f"expected a float tensor (B, C, T, H, W) in [-1, 1] or uint8 frames (N, T, H, W, C), "
            f"got {type(video).__name__}"
        )
    if video.dim() == 4:
        video = video[None]  # (B, C, T, H, W)
    if video.dim() != 5 or not video.is_floating_point():
        raise VideoError(
            f"expected a float tensor (B, C, T, H, W) in [-1, 1], got {video.dtype} of shape "
            f"{tuple(video.shape)}: convert uint8 frames with frames_to_tensor"
        )
    return video


def prepare(video, *, frames: int = 16, size: int = 32) -> torch.Tensor:
    """Any clip batch -> the network input ``float32 (B, 1, frames, size, size)`` in [-1, 1].

    RGB becomes gray by BT.601 luma; the frame count is resampled by picking frames at
    ``round(linspace(0, T - 1, frames))``; frames are resized bilinearly with antialiasing.
    """
    x = _as_video_tensor(video).float()
    b, c, t, h, w = x.shape
    if c == 3:
        weights = torch.tensor(LUMA, device=x.device).view(1, 3, 1, 1, 1)
        x = (x * weights).sum(dim=1, keepdim=True)  # (B, 1, T, H, W)
    elif c != 1:
        raise VideoError(
            f"expected 1 (gray) or 3 (RGB) channels, got {c} in shape {tuple(x.shape)}"
        )
    if torch.isnan(x).any():
        raise VideoError("the video tensor contains NaN values: check the model that made it")
    if t != frames:
        index = torch.linspace(0, t - 1, frames, device=x.device).round().long()
        x = x[:, :, index]  # (B, 1, frames, H, W)
    if (h, w) != (size, size):
        flat = x.transpose(1, 2).reshape(b * frames, 1, h, w)  # (B*T, 1, H, W)
        flat = F.interpolate(
            flat, size=(size, size), mode="bilinear", antialias=True, align_corners=False
        )
        x = flat.reshape(b, frames, 1, size, size).transpose(1, 2)  # (B, 1, T, size, size)
    return x.clamp(-1, 1).contiguous()


# --- loading, with the sha256 check ----------------------------------------------------------


def save_feature_net(net: FeatureNet, path: str | Path, *, meta: dict | None = None) -> str:
    """Write weights + config (+ meta) atomically; return the file's sha256."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"config": asdict(net.config), "state_dict": net.state_dict(), "meta": meta or {}}
    with atomic_path(path, suffix=".pt") as tmp:
        torch.save(payload, tmp)
    return sha256_of(path)


def load_feature_net(
    path: str | Path | None = None, *, sha256: str | None = None, device: str | torch.device = "cpu"
) -> FeatureNet:
    """Load a feature network in eval mode, checking the file's sha256 first.

    ``path=None`` loads the shipped ``assets/feature_net.pt`` against its manifest entry; another
    path is checked against ``sha256`` when given.
    """
    if path is None:
        path = shipped(SHIPPED.name)  # checked against its manifest entry
    path = Path(path)
    if not path.is_file():
        raise AssetError(
            f"feature network {path} not found: expected a file written by "
            "`python -m vidgen_edu.metrics.train_features --out PATH`, or path=None for the "
            "shipped one"
        )
    if sha256 is not None:
        verify(path, sha256)
    try:  # on the CPU first, so that a bad device is not reported as a bad file
        payload = torch.load(path, map_location="cpu", weights_only=True)
        net = FeatureNet(FeatureNetConfig(**payload["config"]))
        net.load_state_dict(payload["state_dict"])
    except (pickle.UnpicklingError, EOFError, RuntimeError, KeyError, TypeError, ValueError) as err:
        # not a torch file, or not one that save_feature_net wrote
        reason = " ".join(f"{type(err).__name__}: {err}".split())[:200]
        raise AssetError(
            f"{path} is not a feature network saved by vidgen_edu ({reason}): retrain it with "
            "`python -m vidgen_edu.metrics.train_features --out PATH`, or pass path=None"
        ) from err
    return net.to(device).eval()


@functools.lru_cache(maxsize=1)
def shipped_feature_net() -> FeatureNet:
    """The shipped network, loaded once per process (CPU, eval mode)."""
    return load_feature_net()


# --- what other modules use ------------------------------------------------------------------


@torch.no_grad()
def embed(video, *, net: FeatureNet | None = None, batch_size: int = 256) -> torch.Tensor:
    """FVD-proxy features ``(B, embed_dim)`` of any clip batch (see :func:`prepare`)."""
    return _run(video, net, batch_size)[0]


@torch.no_grad()
def classify(video, *, net: FeatureNet | None = None, batch_size: int = 256) -> torch.Tensor:
    """Predicted digit class ``(B,)`` int64 of single-digit clips."""
    return _run(video, net, batch_size)[1].argmax(dim=1)


@torch.no_grad()
def frame_features(video, *, net: FeatureNet | None = None) -> torch.Tensor:
    """Per-frame content features ``(B, T, width)``: frame-encoder maps averaged over space.

    Frames are encoded one by one (no temporal mixing) and the spatial average forgets where the
    digit is, so the feature describes what is in a frame, not where: the content of ACD.
    The clip keeps its own frame count (only channels and size are converted).
    """
    net = net or shipped_feature_net()
    x = _as_video_tensor(video)
    x = prepare(x, frames=x.shape[2], size=net.config.size)  # (B, 1, T, size, size)
    maps = net.frame_maps(x.to(next(net.parameters()).device))  # (B, width, T, h, w)
    return maps.mean(dim=(3, 4)).transpose(1, 2).cpu()  # (B, T, width)


def _run(video, net: FeatureNet | None, batch_size: int):
    net = net or shipped_feature_net()
    device = next(net.parameters()).device
    x = prepare(video, frames=net.config.frames, size=net.config.size)
    outputs = [net(chunk.to(device)) for chunk in x.split(batch_size)]
    return tuple(torch.cat([o[i] for o in outputs]).cpu() for i in range(3))
