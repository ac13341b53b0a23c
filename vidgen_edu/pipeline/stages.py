"""The seed article's five-stage pipeline (its sections 2.2 and 2.3) as small composable objects.

    Input -> Preprocess -> Features -> Generate -> Postprocess

Each stage is a callable with one input and one output, and a fixed contract:

=============  ==========================================  ==========================================
stage          takes                                       gives
=============  ==========================================  ==========================================
Input          nothing (or an override of its source)      uint8 frames ``(N, T, H, W, C)``
Preprocess     uint8 frames ``(N, T, H, W, C)``            float32 tensor ``(B, C, T, H, W)`` in [-1, 1]
Features       the tensor                                  ``FrameFeatures``: PCA states ``(B, T, k)``
Generate       ``FrameFeatures``                           a new float32 tensor ``(B, C, T, H, W)``
Postprocess    the generated tensor                        uint8 frames ``(N, T, H, W, C)``
=============  ==========================================  ==========================================

So uint8 frames sit at both edges (what files, players and people see) and model tensors sit
inside. ``Pipeline.run()`` returns every stage's output, so that a notebook can show each one.

The seed says feature extraction uses "a convolutional network" and generation "a GAN or a VAE".
Here the classical path of its section 3.1 fills the same slots: features are the principal
components of the frames, the generator is a dynamic texture (``dynamic_texture.py``). A learned
generator replaces ``Generate`` (any callable ``FrameFeatures -> tensor``) without touching the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from vidgen_edu.errors import UsageError, VideoError

from ..video.tensors import frames_to_tensor, tensor_to_frames
from .dynamic_texture import DynamicTexture, FramePCA

FrameOp = Callable[[np.ndarray], np.ndarray]  # uint8 (T, H, W, C) -> uint8 (T, H, W, C)


def _as_clips(frames: Any) -> np.ndarray:
    """Accept uint8 ``(T, H, W, C)`` or ``(N, T, H, W, C)``; return ``(N, T, H, W, C)``."""
    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.ndim not in (4, 5):
        raise VideoError(
            f"expected uint8 frames (N, T, H, W, C) or (T, H, W, C), got {frames.dtype} "
            f"{frames.shape}: convert a model tensor with vidgen_edu.video.tensor_to_frames"
        )
    return frames if frames.ndim == 5 else frames[None]


def _apply_per_clip(ops: Sequence[FrameOp], clips: np.ndarray) -> np.ndarray:
    """Run each op on each clip ``(T, H, W, C)`` in turn; ops may change H and W (crop, resize)."""
    out = []
    for clip in clips:
        for op in ops:
            clip = op(clip)
        out.append(_as_clips(clip)[0])
    return np.stack(out)  # (N, T, H', W', C)


@dataclass
class Input:
    """Stage 1, data input: where the frames come from.

    ``source`` is uint8 frames, a function returning them, or a dataset with
    ``.sample(n, seed=)`` returning clips whose ``.video`` is a ``(B, C, T, H, W)`` tensor.
    """

    source: Any
    n: int = 8  # clips to draw from a dataset
    seed: int = 0  # seed of that draw
    name: str = "input"

    def __call__(self, override: Any = None) -> np.ndarray:
        source = self.source if override is None else override
        if hasattr(source, "sample"):
            return tensor_to_frames(source.sample(self.n, seed=self.seed).video)  # (N, T, H, W, C)
        if callable(source):
            source = source()
        return _as_clips(source)


@dataclass
class Preprocess:
    """Stage 2, preprocessing: ops on uint8 clips (denoise, contrast, crop, resize...), then
    the conversion to the model layout ``(B, C, T, H, W)`` in [-1, 1]."""

    ops: Sequence[FrameOp] = ()
    name: str = "preprocess"

    def __call__(self, frames: np.ndarray) -> torch.Tensor:
        clips = _apply_per_clip(self.ops, _as_clips(frames))  # (N, T, H, W, C)
        return frames_to_tensor(clips)  # (B, C, T, H, W)


@dataclass
class FrameFeatures:
    """What the feature stage hands on: each frame's PCA coordinates and the PCA itself."""

    states: torch.Tensor  # (B, T, k) float64, one k-vector per frame
    pca: FramePCA  # mean frame and principal directions, to decode states back to frames

    def reconstruct(self) -> torch.Tensor:
        """The input video as k components see it: ``(B, C, T, H, W)`` in [-1, 1]."""
        return self.pca.decode(self.states)


@dataclass
class Features:
    """Stage 3, feature extraction: PCA of all frames, keeping ``k`` components."""

    k: int = 16  # components kept: the size of a frame's feature vector
    name: str = "features"

    def __call__(self, video: torch.Tensor) -> FrameFeatures:
        pca = FramePCA.fit(video, k=self.k)
        return FrameFeatures(pca.encode(video), pca)  # states (B, T, k)


def dynamic_texture_sampler(
    *, n: int = 4, frames: int | None = None, seed: int = 0, start: str = "fitted"
) -> Callable[[FrameFeatures], torch.Tensor]:
    """A generator for ``Generate``: fits a dynamic texture on the features, samples ``n`` clips."""

    def sample(features: FrameFeatures) -> torch.Tensor:
        model = DynamicTexture(k=features.pca.k).fit_states(features.pca, features.states)
        return model.sample(n, frames, seed=seed, start=start)  # (n, C, T, H, W)

    return sample


@dataclass
class Generate:
    """Stage 4, generation: ``FrameFeatures -> (B, C, T, H, W)`` float in [-1, 1]."""

    sampler: Callable[[FrameFeatures], torch.Tensor] = field(
        default_factory=dynamic_texture_sampler
    )
    name: str = "generate"

    def __call__(self, features: FrameFeatures) -> torch.Tensor:
        video = self.sampler(features)
        if not isinstance(video, torch.Tensor) or video.dim() != 5:
            got = tuple(video.shape) if isinstance(video, torch.Tensor) else type(video).__name__
            raise VideoError(f"the generator must return a (B, C, T, H, W) tensor, got {got}")
        return video


@dataclass
class Postprocess:
    """Stage 5, postprocessing: back to uint8 clips, then ops on them (brightness, contrast...)."""

    ops: Sequence[FrameOp] = ()
    name: str = "postprocess"

    def __call__(self, video: torch.Tensor) -> np.ndarray:
        clips = tensor_to_frames(video)  # (N, T, H, W, C)
        return _apply_per_clip(self.ops, _as_clips(clips))  # (N, T, H, W, C)


@dataclass
class PipelineRun:
    """Every stage's output, in order: ``outputs[stage_name]``; ``output`` is the last one."""

    outputs: dict[str, Any]

    @property
    def output(self) -> Any:
        return list(self.outputs.values())[-1]

    def __getitem__(self, name: str) -> Any:
        return self.outputs[name]


class Pipeline:
    """Stages run in order, each fed the previous one's output.

    >>> clips = np.random.default_rng(0).integers(0, 256, (3, 6, 8, 8, 1), dtype=np.uint8)
    >>> run = Pipeline([Input(clips), Preprocess(), Features(k=4), Generate(), Postprocess()]).run()
    >>> list(run.outputs), run.output.shape
    (['input', 'preprocess', 'features', 'generate', 'postprocess'], (4, 6, 8, 8, 1))
    """

    def __init__(self, stages: Sequence[Callable[[Any], Any]]):
        names = [getattr(stage, "name", type(stage).__name__) for stage in stages]
        if not stages:
            raise UsageError(
                "a pipeline needs one or more stages with distinct names, got none: "
                "pass e.g. [Input(clips), Preprocess(), Features(), Generate(), "
                "Postprocess()]"
            )
        if len(set(names)) != len(names):
            raise UsageError(
                f"a pipeline needs one or more stages with distinct names, got {names}: "
                "give a repeated stage its own name, e.g. Preprocess(name='denoise')"
            )
        self.stages = list(stages)
        self.names = names

    def run(self, source: Any = None) -> PipelineRun:
        """Run every stage; ``source``, if given, replaces the first stage's own source."""
        outputs: dict[str, Any] = {}
        value = source
        for name, stage in zip(self.names, self.stages, strict=True):
            value = stage(value)
            outputs[name] = value
        return PipelineRun(outputs)

    def __repr__(self) -> str:
        return "Pipeline(" + " -> ".join(self.names) + ")"
