"""Motion statistics that catch static and flickering videos, which a Fréchet score can miss.

- Mean frame-to-frame change ``mean |x_{t+1} - x_t|`` over clips, channels, frames and pixels, in
  the model's [-1, 1] units (0 for a frozen video; large for flicker or shuffled frames).
- Average content distance, ACD (Tulyakov et al., MoCoGAN, CVPR 2018, arXiv:1707.04993, sec. 4.2):
  the mean L2 distance between content features of consecutive frames, ``mean_t ||g(x_{t+1}) -
  g(x_t)||_2``. MoCoGAN used OpenFace features for faces and the mean colour for shapes; here
  ``g`` is the feature network's per-frame content feature (its 2-D frame encoder averaged over
  space, see ``features.frame_features``), which ignores where a digit is and keeps what it looks
  like. A generator whose digit changes identity mid-clip gets a high ACD; compare with the ACD
  of real clips (a moving digit is not exactly constant: borders, overlaps).
"""

from __future__ import annotations

import torch

from vidgen_edu.errors import UsageError, VideoError

from .features import FeatureNet, _as_video_tensor, frame_features


def frame_change(video) -> float:
    """Mean absolute change between consecutive frames, ``mean |x_{t+1} - x_t|``.

    >>> frame_change(torch.zeros(2, 1, 4, 8, 8))
    0.0
    """
    x = _as_video_tensor(video).float()  # (B, C, T, H, W)
    if x.shape[2] < 2:
        raise VideoError(
            f"frame change needs at least 2 frames, got T={x.shape[2]} in {tuple(x.shape)}: "
            "pass clips (B, C, T, H, W) with T >= 2"
        )
    return float((x[:, :, 1:] - x[:, :, :-1]).abs().mean())


def content_distance(features: torch.Tensor) -> float:
    """Mean L2 distance between consecutive per-frame features ``(B, T, D)`` (the ACD formula)."""
    if not isinstance(features, torch.Tensor) or features.dim() != 3 or features.shape[1] < 2:
        got = (
            tuple(features.shape) if isinstance(features, torch.Tensor) else type(features).__name__
        )
        raise UsageError(
            f"expected per-frame features (B, T, D) with T >= 2, got {got}: "
            "pass the output of frame_features(video)"
        )
    steps = features[:, 1:] - features[:, :-1]  # (B, T-1, D)
    return float(steps.double().norm(dim=2).mean())


def acd(video, *, net: FeatureNet | None = None) -> float:
    """Average content distance of a clip batch, on the feature network's per-frame content."""
    return content_distance(frame_features(video, net=net))
