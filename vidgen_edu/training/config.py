"""The training configuration: one dataclass, saved in every checkpoint as a plain dict."""

from __future__ import annotations

from dataclasses import dataclass

from vidgen_edu.config import StrictConfig

LOSSES = ("hinge", "nonsat")
# Keys that may change when a run is resumed: how long and how often, not what is trained.
RESUMABLE_KEYS = ("steps", "log_every", "sample_every", "checkpoint_every", "device", "compile")


@dataclass
class TrainConfig(StrictConfig):
    """Named defaults of the training loop; each field says its unit or range."""

    steps: int = 1000  # generator steps (one step = n_critic D updates + one G update), >= 1
    batch: int = 16  # clips per batch
    loss: str = "hinge"  # "hinge" (Lim & Ye 2017) or "nonsat" (Goodfellow et al. 2014, sec. 3)
    lr_g: float = 1e-4  # generator learning rate (Adam)
    lr_d: float = 4e-4  # discriminator learning rate: TTUR, Heusel et al. 2017
    beta1: float = 0.0  # Adam beta1 (0.0 as in SAGAN/BigGAN; DCGAN used 0.5)
    beta2: float = 0.99  # Adam beta2
    n_critic: int = 1  # D updates per G update, >= 1
    r1: float = 0.0  # R1 penalty weight gamma (Mescheder et al. 2018); 0 = off
    ema_decay: float = 0.999  # generator EMA decay per step, in [0, 1); 0 = copy the weights
    seed: int = 0  # seeds the data, the noise and the initial weights
    log_every: int = 10  # steps between lines of metrics.jsonl
    sample_every: int = 200  # steps between sample videos in samples/; 0 = only at the end
    checkpoint_every: int = 100  # steps between writes of last.pt (always at the end too)
    sample_n: int = 8  # clips per sample video
    device: str = "auto"  # "auto" (cuda if available), "cpu" or "cuda"
    amp: bool = True  # bf16 autocast on CUDA; ignored on CPU
    compile: bool = False  # torch.compile the networks on CUDA; ignored on CPU
    debug_nan_step: int = 0  # test hook: poison the real batch with NaN at this step; 0 = off

    def __post_init__(self):
        if self.steps < 1:
            raise ValueError(f"steps={self.steps}: expected at least 1 training step")
        if self.batch < 1 or self.n_critic < 1:
            raise ValueError(f"batch={self.batch}, n_critic={self.n_critic}: both must be >= 1")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}: expected one of {', '.join(LOSSES)}")
        if not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(f"ema_decay={self.ema_decay}: expected a value in [0, 1)")
        if self.checkpoint_every < 1 or self.log_every < 1:
            raise ValueError("checkpoint_every and log_every must be >= 1")
