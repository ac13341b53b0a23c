"""An exponential moving average of the generator's weights (Karras et al. 2018; Yazici et al.
2019, arXiv:1806.04498): samples from the averaged weights are smoother and more stable than
those of the last step.  theta_ema <- decay * theta_ema + (1 - decay) * theta.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    """Keeps ``shadow``, a frozen copy of ``model`` that trails its weights."""

    def __init__(self, model: nn.Module, *, decay: float):
        self.decay = decay
        self.shadow = copy.deepcopy(model).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """One step of the average; buffers (if any) are copied as they are."""
        for p_ema, p in zip(self.shadow.parameters(), model.parameters(), strict=True):
            p_ema.lerp_(p.detach(), 1.0 - self.decay)
        for b_ema, b in zip(self.shadow.buffers(), model.buffers(), strict=True):
            b_ema.copy_(b)

    def state_dict(self) -> dict:
        return self.shadow.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.shadow.load_state_dict(state, strict=True)


def ema_decay_for(steps: int) -> float:
    """An EMA decay whose time constant ``1 / (1 - decay)`` is a tenth of the run (at most 0.999).

    The average forgets with a time constant of ``1 / (1 - decay)`` steps: with 0.999 a 300-step
    run would still sample from weights that are 74% the initial ones (0.999**300 = 0.74).

    >>> ema_decay_for(100), ema_decay_for(1_000_000)
    (0.9, 0.999)
    """
    return round(max(0.0, min(0.999, 1.0 - 10.0 / steps)), 6)
