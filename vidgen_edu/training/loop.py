"""What the loop around a step needs: the step's context, autocast, interrupts, finite weights.

The step itself belongs to the model family (``VideoModel.training_step``): the loop hands it a
``StepContext`` whose real batches and random generators are derived from ``(seed, step)``. So a
run resumed from ``last.pt`` makes exactly the same updates as one that was never interrupted.
"""

from __future__ import annotations

import contextlib
import signal
import threading

import torch

from vidgen_edu.models import StepContext
from vidgen_edu.models.contract import step_seed

from .config import TrainConfig


def autocast_for(device: torch.device, cfg: TrainConfig):
    """bf16 autocast on CUDA when ``cfg.amp``; a no-op context on CPU."""
    if device.type == "cuda" and cfg.amp:
        return lambda: torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext


def step_context(
    ds, model, cfg: TrainConfig, step: int, device, autocast, *, poison_step: int = 0
) -> StepContext:
    """The ``StepContext`` of ``step``: real clips from ``ds`` seeded by ``(seed, step, k)``.

    ``poison_step`` is a test hook: at that step (1-based) the real batch is NaN, and the run
    must stop with ``TrainingDiverged``.
    """
    conditional = bool(model.config.num_classes)

    def real(k: int):
        clips = ds.sample(cfg.batch, seed=step_seed(cfg.seed, step, 2 * k + 1), device=device)
        video = clips.video  # (B, C, T, H, W)
        if poison_step and step + 1 == poison_step:
            video = video * float("nan")
        return video, (clips.labels if conditional else None)

    return StepContext(step=step, train=cfg, device=device, real=real, autocast=autocast)


def weights_finite(model) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in model.parameters())


class Interrupt:
    """Ctrl-C (SIGINT) during training ends the current step first, then the loop stops.

    The first Ctrl-C sets ``requested``; the loop saves a checkpoint at the step it has reached
    and raises ``KeyboardInterrupt``. A second Ctrl-C interrupts at once, as usual. Outside the
    main thread (where Python cannot install a handler) Ctrl-C behaves as usual.
    """

    def __init__(self):
        self.requested = False
        self._previous = None

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> Interrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
