"""The one contract between a model family and the code that trains, samples and scores it.

A family (GAN, VAE, flow matching...) is a ``VideoModel``: an ``nn.Module`` with

- ``config``: its ``ModelConfig``;
- ``generator``: a module with ``sample(n, labels=None, generator=None) -> (B, C, T, H, W)`` in
  [-1, 1] (the ``Generator`` protocol), the part that is averaged (EMA), shipped and sampled;
  A generator whose ``sample`` takes further keyword options lists them in a class attribute
  ``sample_options`` (``("frames",)`` for a clip length beyond the training length;
  ``("steps", "guidance")`` for an ODE sampler), so that the CLI can offer exactly those;
- ``configure_optimizers(train) -> {name: optimizer}`` (as nanoGPT's model owns its optimizer);
- ``training_step(ctx, optimizers) -> {name: float}``: one step of its own objective.

The training loop, the evaluator and the command line only use these, so they never ask which
family they hold, and a new family plugs in by registering its class in ``models/__init__.py``.
The loop hands a step everything it may need through a ``StepContext``: the step number, the
training configuration, real batches and random generators derived from ``(seed, step)`` (so a
resumed run makes exactly the updates an uninterrupted one makes), and the autocast context.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import torch
from torch import nn

from vidgen_edu.errors import TrainingDiverged, UsageError


@runtime_checkable
class Generator(Protocol):
    """What the evaluator, ``generate`` and the studio call."""

    def sample(self, n: int, *, labels=None, generator=None) -> torch.Tensor: ...


def check_sample_options(generator, options: dict, *, model: str) -> dict:
    """``options`` (None values dropped) if ``generator.sample`` takes them, else a UsageError."""
    options = {k: v for k, v in options.items() if v is not None}
    known = getattr(type(generator), "sample_options", ())
    unknown = sorted(set(options) - set(known))
    if unknown:
        takes = f"it takes {', '.join(known)}" if known else "it takes no sampling options"
        raise UsageError(f"a {model} model cannot be sampled with {', '.join(unknown)}: {takes}")
    return options


def step_seed(seed: int, step: int, k: int = 0) -> int:
    """A distinct, reproducible seed for draw ``k`` of ``step`` of a run seeded ``seed``."""
    return ((seed * 1_000_003 + step) * 64 + k) % (2**62)


@dataclass
class StepContext:
    """What one training step receives from the loop.

    ``real(k)`` returns draw ``k`` of this step's real clips ``(B, C, T, H, W)`` and their labels
    (``None`` for an unconditional model); ``rng(k)`` a ``torch.Generator`` seeded for draw ``k``.
    """

    step: int  # steps done before this one (0-based)
    train: Any  # the run's TrainConfig (batch, loss, n_critic, r1, learning rates...)
    device: torch.device
    real: Callable[[int], tuple[torch.Tensor, torch.Tensor | None]]
    autocast: Callable[[], contextlib.AbstractContextManager] = field(
        default=contextlib.nullcontext
    )

    def rng(self, k: int) -> torch.Generator:
        return torch.Generator(self.device).manual_seed(step_seed(self.train.seed, self.step, k))

    def finite(self, what: str, value: torch.Tensor) -> float:
        """``value`` as a float, or ``TrainingDiverged`` naming the step and the loss."""
        v = float(value.detach())
        if not math.isfinite(v):
            raise TrainingDiverged(f"training diverged at step {self.step + 1}: the {what} is {v}")
        return v


def update(opt: torch.optim.Optimizer, loss: torch.Tensor) -> None:
    """One optimizer step on ``loss``."""
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


class VideoModel(nn.Module):
    """Base class of the model families; see the module docstring for the contract."""

    config: Any
    generator: nn.Module

    def configure_optimizers(self, train) -> dict[str, torch.optim.Optimizer]:
        raise NotImplementedError(f"{type(self).__name__} must define configure_optimizers")

    def training_step(self, ctx: StepContext, optimizers: dict) -> dict[str, float]:
        raise NotImplementedError(f"{type(self).__name__} must define training_step")

    def networks(self) -> list[nn.Module]:
        """The modules ``torch.compile`` may compile (all children by default)."""
        return list(self.children())
