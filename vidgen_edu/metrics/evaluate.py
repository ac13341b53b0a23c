"""The FVD proxy, its real-vs-real floor, and ``evaluate``: every number of ``vidgen-edu evaluate``.

``fvd_proxy(fake, real)`` is the Fréchet distance (``frechet.py``) between Gaussians fitted to the
shipped feature network's 32-d embeddings of two clip batches (``features.py``): FVD's recipe
(Unterthiner et al. 2018, arXiv:1812.01717) with a network trained on the course's own data
instead of I3D. It is biased upward at finite N, so ``real_floor`` (the same statistic between two
independent real samples of the same size) is reported beside it: a generator is as good as the
proxy can tell when its score reaches the floor.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace

import torch

from vidgen_edu.data.config import DataConfig
from vidgen_edu.errors import UsageError, VideoError

from .features import FeatureNet, classify, embed, shipped_feature_net
from .frechet import frechet_from_features
from .motion import acd, frame_change

SampleFn = Callable[[int, "torch.Tensor | None"], torch.Tensor]
DEFAULT_SPEC = {"name": "moving-digits", "size": 64, "frames": 16, "digits": 2}
MAX_N = 8192  # clips per sample: 3 x 8192 clips of 16 x 32 x 32 floats are 1.5 GB


def fvd_proxy(fake, real, *, net: FeatureNet | None = None) -> float:
    """Fréchet distance between the feature statistics of ``fake`` and ``real`` clip batches."""
    return frechet_from_features(embed(fake, net=net), embed(real, net=net))


def real_floor(real_a, real_b, *, net: FeatureNet | None = None) -> float:
    """The FVD proxy between two real samples of the same size: the score's noise floor."""
    if len(real_a) != len(real_b):
        raise ValueError(
            f"the floor needs two real samples of the same size, got {len(real_a)} and {len(real_b)} clips"
        )
    return fvd_proxy(real_a, real_b, net=net)


def as_sample_fn(source, *, seed: int = 0, options: dict | None = None) -> SampleFn:
    """A ``sample_fn(n, labels) -> (B, C, T, H, W)`` from a generator or a callable.

    A generator follows the model contract (``vidgen_edu.models.Generator``): its
    ``sample(n, labels=..., generator=...)`` gets one ``torch.Generator`` seeded with ``seed``
    for all its calls, and ``options`` (its ``sample_options``, e.g. ODE steps). A callable is
    used as it is. For samplers that take a seed instead (a
    dataset, the dynamic texture), wrap them with ``seeded``.
    """
    if hasattr(source, "sample"):
        generator = torch.Generator().manual_seed(seed)
        return lambda n, labels: source.sample(
            n, labels=labels, generator=generator, **(options or {})
        )
    if callable(source):
        return source
    raise UsageError(
        f"expected a generator with .sample(n, labels=None, generator=None) or a "
        f"callable sample_fn(n, labels), got {type(source).__name__}"
    )


def seeded(sample: Callable, *, seed: int = 0) -> SampleFn:
    """``sample_fn`` from a ``sample(n, seed=...)`` method, with seed ``seed + k`` at call k.

    >>> from vidgen_edu.data import make_dataset
    >>> fn = seeded(make_dataset("moving-digits", size=16, frames=4).sample, seed=5)
    >>> fn(2, None).video.shape
    torch.Size([2, 1, 4, 16, 16])
    """
    calls = itertools.count(seed)
    return lambda n, labels: sample(n, seed=next(calls))


@torch.no_grad()
def generate(
    sample_fn: SampleFn, n: int, *, labels: torch.Tensor | None = None, batch_size: int = 64
) -> torch.Tensor:
    """``n`` clips ``(n, C, T, H, W)`` on the CPU, drawn ``batch_size`` at a time.

    ``sample_fn`` may return a tensor or a dataset's ``Clips`` (whose ``.video`` is used).
    """
    chunks = []
    for start in range(0, n, batch_size):
        count = min(batch_size, n - start)
        part = labels[start : start + count] if labels is not None else None
        video = sample_fn(count, part)
        video = getattr(video, "video", video)  # a dataset's Clips -> its tensor
        if not isinstance(video, torch.Tensor) or video.dim() != 5 or video.shape[0] != count:
            shape = tuple(video.shape) if isinstance(video, torch.Tensor) else type(video).__name__
            raise VideoError(
                f"the generator returned {shape}, expected a tensor ({count}, C, T, H, W)"
            )
        chunks.append(video.detach().float().cpu())
    return torch.cat(chunks)  # (n, C, T, H, W)


def real_samples(data, n: int, *, seed: int):
    """Two independent real samples (``Clips``) of ``n`` clips from ``data`` (a ``DataConfig``)."""
    dataset = data.make(seed=0)
    return dataset.sample(n, seed=seed), dataset.sample(n, seed=seed + 1)


def evaluate(
    source,
    *,
    n: int = 256,
    data_spec=None,
    seed: int = 0,
    num_classes: int = 0,
    batch_size: int = 64,
    net: FeatureNet | None = None,
    sample_options: dict | None = None,
) -> dict:
    """Score a generator against real clips of ``data_spec``: FVD proxy, floor, ACD, motion.

    Args:
        source: a generator with ``.sample(n, *, labels=None, generator=None)``, or a callable
            ``sample_fn(n, labels) -> float (B, C, T, H, W) in [-1, 1]``.
        n: clips per sample (fake, real, and the second real sample of the floor).
        data_spec: the real data, a ``DataConfig`` or its dict ``{"name", "size", "frames", ...}``
            (default Moving Digits, 2 digits, 64 px).
        seed: seeds the real samples (``seed``, ``seed + 1``) and the generator's noise.
        num_classes: > 0 for a class-conditional generator: it is asked for the real sample's
            labels and ``class_accuracy`` is the shipped classifier's agreement with them. The
            classifier was trained on single-digit clips; on clips with several digits (the
            label is the first digit's) ``class_accuracy_real`` shows what it can reach.
        sample_options: extra keywords for a generator's ``sample`` (its ``sample_options``).
    """
    if not 2 <= n <= MAX_N:
        raise UsageError(
            f"n={n}: expected 2 (a covariance needs two samples) to {MAX_N} clips "
            "(three samples of n clips are held in memory)"
        )
    data = DataConfig.coerce(data_spec or DEFAULT_SPEC)
    if data.clips:  # a run on a fixed (private) set is scored on fresh clips of its distribution,
        data = replace(data, clips=0, per_source=1)  # never on the set itself
    net = net or shipped_feature_net()
    real_a, real_b = real_samples(data, n, seed=seed)
    labels = real_a.labels.long().cpu() if num_classes > 0 else None
    sample_fn = as_sample_fn(source, seed=seed, options=sample_options)
    fake = generate(sample_fn, n, labels=labels, batch_size=batch_size)
    real = real_a.video.float().cpu()  # (n, C, T, H, W)
    result = {
        "n": n,
        "fvd_proxy": fvd_proxy(fake, real, net=net),
        "real_floor": real_floor(real, real_b.video.float().cpu(), net=net),
        "acd": acd(fake, net=net),
        "acd_real": acd(real, net=net),
        "motion": frame_change(fake),
        "motion_real": frame_change(real),
        "seed": seed,
        "data_spec": data.to_dict(),
        "feature_dim": net.config.embed_dim,
    }
    if labels is not None:
        result["class_accuracy"] = float((classify(fake, net=net) == labels).float().mean())
        result["class_accuracy_real"] = float((classify(real, net=net) == labels).float().mean())
    return result
