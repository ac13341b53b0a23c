"""The training configuration: one dataclass, saved in every checkpoint as a plain dict."""

from __future__ import annotations

import math
from dataclasses import dataclass

from vidgen_edu.config import StrictConfig

LOSSES = ("hinge", "nonsat")
MAX_BATCH = 1024  # clips in one batch: 1024 clips of 16 x 64 x 64 already take GBs of activations
# Keys that may change when a run is resumed: how long and how often, not what is trained.
RESUMABLE_KEYS = ("steps", "log_every", "sample_every", "checkpoint_every", "device", "compile")


@dataclass
class TrainConfig(StrictConfig):
    """Named defaults of the training loop; each field says its unit or range.

    ``ema_decay=None`` is resolved by ``RunConfig`` once every override is in (see
    ``ema.ema_decay_for``), so that a run's average always fits its length.
    """

    section = "train"

    steps: int = 1000  # generator steps (one step = n_critic D updates + one G update), >= 1
    batch: int = 16  # clips per batch
    loss: str = "hinge"  # "hinge" (Lim & Ye 2017) or "nonsat" (Goodfellow et al. 2014, sec. 3)
    lr_g: float = 1e-4  # generator learning rate (Adam)
    lr_d: float = 4e-4  # discriminator learning rate: TTUR, Heusel et al. 2017
    beta1: float = 0.0  # Adam beta1 (0.0 as in SAGAN/BigGAN; DCGAN used 0.5)
    beta2: float = 0.99  # Adam beta2
    n_critic: int = 1  # D updates per G update, >= 1
    r1: float = 0.0  # R1 penalty weight gamma (Mescheder et al. 2018); 0 = off
    ema_decay: float | None = (
        None  # generator EMA decay per step in [0, 1); None = a tenth of the run
    )
    seed: int = 0  # seeds the data, the noise and the initial weights
    log_every: int = 10  # steps between lines of metrics.jsonl
    sample_every: int = 200  # steps between sample videos in samples/; 0 = only at the end
    checkpoint_every: int = 100  # steps between writes of last.pt (always at the end too)
    sample_n: int = 8  # clips per sample video
    device: str = "auto"  # "auto" (cuda if available), "cpu" or "cuda"
    amp: bool = True  # bf16 autocast on CUDA; ignored on CPU
    compile: bool = False  # torch.compile the networks on CUDA; ignored on CPU

    def problems(self) -> list[str]:
        found = [
            f"{k}={getattr(self, k)}: expected a whole number >= 1"
            for k in ("steps", "batch", "n_critic", "log_every", "checkpoint_every", "sample_n")
            if getattr(self, k) < 1
        ]
        if self.batch > MAX_BATCH or self.sample_n > MAX_BATCH:
            found.append(
                f"batch={self.batch}, sample_n={self.sample_n}: at most {MAX_BATCH} "
                "clips at once (memory grows with it); take more steps instead"
            )
        if self.sample_every < 0:
            found.append(f"sample_every={self.sample_every}: expected 0 (only at the end) or more")
        if self.loss not in LOSSES:
            found.append(f"loss={self.loss!r}: expected one of {', '.join(LOSSES)}")
        for k in ("lr_g", "lr_d"):
            if not 0 < getattr(self, k) < math.inf:
                found.append(f"{k}={getattr(self, k)}: expected a positive learning rate")
        for k in ("beta1", "beta2"):
            if not 0 <= getattr(self, k) < 1:
                found.append(f"{k}={getattr(self, k)}: expected a value in [0, 1)")
        if self.r1 < 0:
            found.append(f"r1={self.r1}: expected 0 (off) or a positive weight")
        if self.ema_decay is not None and not 0.0 <= self.ema_decay < 1.0:
            found.append(f"ema_decay={self.ema_decay}: expected a value in [0, 1), or None")
        if not 0 <= self.seed < 2**63:
            found.append(f"seed={self.seed}: expected a whole number in [0, 2**63)")
        if self.device not in ("auto", "cpu", "cuda") and not self.device.startswith("cuda:"):
            found.append(f"device={self.device!r}: expected auto, cpu or cuda")
        return found


GRAD_SAMPLE_MODES = ("hooks", "functorch", "ew", "ghost")  # Opacus's per-sample gradient engines
ACCOUNTANTS = ("rdp", "prv")


@dataclass
class PrivacyConfig(StrictConfig):
    """How a run is made differentially private (``vidgen_edu.privacy``); off by default.

    The noise multiplier is calibrated by ``vidgen-edu dp-train`` to reach ``target_epsilon`` at
    ``delta`` after ``train.steps`` steps, then stored here, so that a resumed run adds the same
    noise and its accountant can say what a longer run would spend.
    """

    section = "privacy"

    target_epsilon: float = 0.0  # the budget epsilon; 0 = not private
    delta: float = 1e-5  # the budget delta, below 1 / (clips in the private set)
    max_grad_norm: float = 1.0  # C: each clip's gradient is clipped to this L2 norm
    noise_multiplier: float = 0.0  # sigma: noise std = sigma * C; 0 = calibrate to the target
    grad_sample_mode: str = "ghost"  # Opacus's engine, chosen by benchmarks/dp_overhead.py
    accountant: str = "rdp"  # accountant used to calibrate and during training; PRV at the end

    @property
    def enabled(self) -> bool:
        return self.target_epsilon > 0

    def problems(self) -> list[str]:
        found = []
        if not 0 <= self.target_epsilon < math.inf:
            found.append(f"target_epsilon={self.target_epsilon}: expected 0 (off) or > 0")
        if not 0 < self.delta < 1:
            found.append(f"delta={self.delta}: expected a probability in (0, 1), e.g. 1e-5")
        if not 0 < self.max_grad_norm < math.inf:
            found.append(f"max_grad_norm={self.max_grad_norm}: expected a positive norm")
        if not 0 <= self.noise_multiplier < math.inf:
            found.append(f"noise_multiplier={self.noise_multiplier}: expected >= 0")
        if self.grad_sample_mode not in GRAD_SAMPLE_MODES:
            found.append(
                f"grad_sample_mode={self.grad_sample_mode!r}: expected one of "
                f"{', '.join(GRAD_SAMPLE_MODES)}"
            )
        if self.accountant not in ACCOUNTANTS:
            found.append(
                f"accountant={self.accountant!r}: expected one of {', '.join(ACCOUNTANTS)}"
            )
        return found
