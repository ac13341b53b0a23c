"""Metrics of generated video: an offline FVD proxy, content consistency and motion statistics.

- :func:`frechet_distance`, :func:`frechet_from_features`: the Fréchet distance (FID/FVD statistic).
- :func:`fvd_proxy`, :func:`real_floor`: that distance on the shipped feature network's
  embeddings of two clip batches, and its real-vs-real floor at the same sample size.
- :func:`acd`, :func:`frame_change`: content consistency (MoCoGAN's ACD) and mean frame-to-frame
  change, which catch static and flickering videos.
- :func:`classify`, :func:`embed`, :func:`load_feature_net`: the shipped network itself.
- :func:`evaluate`: all of the above for a generator, as ``vidgen-edu evaluate`` prints it.

Retrain the network with ``python -m vidgen_edu.metrics.train_features --out PATH``.
"""

from vidgen_edu.errors import AssetError

from .evaluate import evaluate, fvd_proxy, real_floor
from .features import FeatureNet, classify, embed, load_feature_net, prepare
from .frechet import feature_statistics, frechet_distance, frechet_from_features
from .motion import acd, content_distance, frame_change

__all__ = [
    "AssetError",
    "FeatureNet",
    "acd",
    "classify",
    "content_distance",
    "embed",
    "evaluate",
    "feature_statistics",
    "frame_change",
    "frechet_distance",
    "frechet_from_features",
    "fvd_proxy",
    "load_feature_net",
    "prepare",
    "real_floor",
]
