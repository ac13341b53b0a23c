"""A toy GAN on 1-D and 2-D Gaussian mixtures that trains in seconds on a CPU.

Two tiny MLPs play the game of Goodfellow et al. 2014 (arXiv:1406.2661) on targets whose modes
are known, so that convergence and mode collapse can be *measured*, not just looked at:

- ``mix1d``: four 1-D Gaussians at -3, -1, 1, 3 (std 0.15);
- ``ring8``: eight 2-D Gaussians on a circle of radius 2 (std 0.05), the benchmark of
  Metz et al. 2016, "Unrolled GANs" (arXiv:1611.02163), where plain GANs visit one mode at a time.

Mode coverage follows Srivastava et al. 2017, "VEEGAN" (arXiv:1705.07761): a sample is of high
quality when it lies within 3 standard deviations of its nearest mode; a mode is covered when it
receives at least a given share of its fair part (n / K) of the samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from vidgen_edu.errors import UsageError
from vidgen_edu.threads import one_thread

LOSSES = ("nonsaturating", "saturating", "hinge")


@dataclass(frozen=True)
class ToyTarget:
    """A mixture of equal-weight isotropic Gaussians."""

    name: str
    centers: np.ndarray  # (K, dim) mode centres
    std: float  # standard deviation of every mode

    @property
    def dim(self) -> int:
        return int(self.centers.shape[1])


def make_target(name: str) -> ToyTarget:
    """The named toy target: ``"mix1d"`` or ``"ring8"``."""
    if name == "mix1d":
        return ToyTarget("mix1d", np.array([[-3.0], [-1.0], [1.0], [3.0]]), 0.15)
    if name == "ring8":
        angles = 2 * math.pi * np.arange(8) / 8
        centers = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
        return ToyTarget("ring8", centers, 0.05)
    raise UsageError(f"unknown toy target {name!r}: expected 'mix1d' or 'ring8'")


def sample_target(target: ToyTarget, n: int, gen: torch.Generator) -> torch.Tensor:
    """``n`` samples of the mixture, ``(n, dim)`` float32."""
    centers = torch.as_tensor(target.centers, dtype=torch.float32)
    idx = torch.randint(len(centers), (n,), generator=gen)
    return centers[idx] + target.std * torch.randn(n, target.dim, generator=gen)


def mode_coverage(
    samples: np.ndarray, target: ToyTarget, *, quality_sigmas: float = 3.0, min_share: float = 0.25
) -> tuple[int, float]:
    """(modes covered, fraction of high-quality samples) of ``samples`` ``(n, dim)``.

    A sample is high quality when it is within ``quality_sigmas`` std of its nearest mode; a
    mode is covered when at least ``min_share * n / K`` high-quality samples fall on it.
    """
    samples = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
    dist = np.linalg.norm(samples[:, None, :] - target.centers[None, :, :], axis=2)  # (n, K)
    nearest, good = dist.argmin(axis=1), dist.min(axis=1) <= quality_sigmas * target.std
    counts = np.bincount(nearest[good], minlength=len(target.centers))
    covered = int(np.sum(counts >= min_share * len(samples) / len(target.centers)))
    return covered, float(good.mean())


def _mlp(n_in: int, n_out: int, hidden: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(n_in, hidden),
        nn.ReLU(),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        nn.Linear(hidden, n_out),
    )


def discriminator_loss(
    logit_real: torch.Tensor, logit_fake: torch.Tensor, loss: str
) -> torch.Tensor:
    """-E[log D(x)] - E[log(1 - D(G(z)))] (eq. 1, negated), or the hinge loss."""
    if loss == "hinge":
        return F.relu(1 - logit_real).mean() + F.relu(1 + logit_fake).mean()
    return F.softplus(-logit_real).mean() + F.softplus(logit_fake).mean()


def generator_loss(logit_fake: torch.Tensor, loss: str) -> torch.Tensor:
    """saturating: E[log(1 - D)] = -softplus(l); non-saturating: -E[log D] = softplus(-l); hinge: -l."""
    if loss == "saturating":
        return -F.softplus(logit_fake).mean()
    if loss == "nonsaturating":
        return F.softplus(-logit_fake).mean()
    return -logit_fake.mean()


@dataclass
class ToyGanHistory:
    """What a toy run recorded: losses every step, samples and coverage every ``record_every``."""

    target: ToyTarget
    config: dict
    d_loss: list[float] = field(default_factory=list)  # per step
    g_loss: list[float] = field(default_factory=list)  # per step
    d_real: list[float] = field(default_factory=list)  # per step: mean D(x), last real batch
    d_fake: list[float] = field(default_factory=list)  # per step: mean D(G(z)), last fake batch
    steps: list[int] = field(default_factory=list)  # the steps at which the rest was recorded
    samples: list[np.ndarray] = field(default_factory=list)  # (n_eval, dim) generator samples
    modes_covered: list[int] = field(default_factory=list)
    high_quality: list[float] = field(default_factory=list)  # fraction of high-quality samples
    grid: np.ndarray | None = None  # 1-D targets: the points where D is evaluated
    d_on_grid: list[np.ndarray] = field(default_factory=list)  # 1-D targets: D(x) on ``grid``


def train_toy_gan(
    *,
    target: str = "mix1d",
    steps: int = 1000,
    loss: str = "nonsaturating",
    seed: int = 0,
    record_every: int = 100,
    d_steps: int = 1,
    batch: int = 128,
    lr: float = 1e-3,
    hidden: int = 64,
    latent_dim: int = 2,
    n_eval: int = 1000,
) -> ToyGanHistory:
    """Train a tiny GAN with Adam (lr, betas (0.5, 0.999)) and return its history.

    ``d_steps`` discriminator updates precede each generator update. The same ``seed`` gives
    the same history on CPU. Runs on one CPU thread (see ``vidgen_edu.threads.one_thread``).
    """
    _check_config(loss, steps, record_every, d_steps)
    with one_thread():
        return _train(
            target, steps, loss, seed, record_every, d_steps, batch, lr, hidden, latent_dim, n_eval
        )


def _train(
    target: str,
    steps: int,
    loss: str,
    seed: int,
    record_every: int,
    d_steps: int,
    batch: int,
    lr: float,
    hidden: int,
    latent_dim: int,
    n_eval: int,
) -> ToyGanHistory:
    """The training loop of ``train_toy_gan`` (arguments as there)."""
    tgt = make_target(target)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        g_net, d_net = _mlp(latent_dim, tgt.dim, hidden), _mlp(tgt.dim, 1, hidden)
    gen = torch.Generator().manual_seed(seed + 1)
    z_eval = torch.randn(n_eval, latent_dim, generator=gen)
    opt_g = torch.optim.Adam(g_net.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d_net.parameters(), lr=lr, betas=(0.5, 0.999))
    config = dict(
        target=target,
        steps=steps,
        loss=loss,
        seed=seed,
        d_steps=d_steps,
        batch=batch,
        lr=lr,
        hidden=hidden,
        latent_dim=latent_dim,
        n_eval=n_eval,
    )
    hist = ToyGanHistory(tgt, config)
    if tgt.dim == 1:
        hist.grid = np.linspace(-5.0, 5.0, 201)
    _record(hist, 0, g_net, d_net, z_eval)
    for step in range(1, steps + 1):
        # discriminator: d_steps updates on fresh real and fake batches
        for _ in range(d_steps):
            real = sample_target(tgt, batch, gen)
            with torch.no_grad():
                fake = g_net(torch.randn(batch, latent_dim, generator=gen))
            logit_real, logit_fake = d_net(real), d_net(fake)
            d_loss = discriminator_loss(logit_real, logit_fake, loss)
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
        # generator: one update through the (fixed) discriminator
        g_loss = generator_loss(d_net(g_net(torch.randn(batch, latent_dim, generator=gen))), loss)
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        hist.d_loss.append(float(d_loss.detach()))
        hist.g_loss.append(float(g_loss.detach()))
        hist.d_real.append(float(torch.sigmoid(logit_real.detach()).mean()))
        hist.d_fake.append(float(torch.sigmoid(logit_fake.detach()).mean()))
        if step % record_every == 0 or step == steps:
            _record(hist, step, g_net, d_net, z_eval)
    return hist


def _check_config(loss: str, steps: int, record_every: int, d_steps: int) -> None:
    if loss not in LOSSES:
        raise UsageError(f"unknown loss {loss!r}: expected one of {', '.join(LOSSES)}")
    if steps < 0 or record_every < 1 or d_steps < 1:
        raise UsageError(
            f"got steps={steps}, record_every={record_every}, d_steps={d_steps}: expected "
            "steps >= 0, record_every >= 1 and d_steps >= 1"
        )


@torch.no_grad()
def _record(
    hist: ToyGanHistory, step: int, g_net: nn.Module, d_net: nn.Module, z_eval: torch.Tensor
) -> None:
    samples = g_net(z_eval).numpy().astype(np.float64)
    covered, quality = mode_coverage(samples, hist.target)
    hist.steps.append(step)
    hist.samples.append(samples)
    hist.modes_covered.append(covered)
    hist.high_quality.append(quality)
    if hist.grid is not None:
        x = torch.as_tensor(hist.grid, dtype=torch.float32)[:, None]
        hist.d_on_grid.append(torch.sigmoid(d_net(x)).squeeze(1).numpy().astype(np.float64))


def target_density_1d(target: ToyTarget, grid: np.ndarray) -> np.ndarray:
    """The mixture's density p_data(x) on ``grid`` (1-D targets only)."""
    if target.dim != 1:
        raise UsageError(
            f"target {target.name!r} is {target.dim}-D; a density on a 1-D grid "
            "needs a 1-D target such as 'mix1d'"
        )
    x = np.asarray(grid, dtype=np.float64)[:, None]
    z = (x - target.centers[:, 0][None, :]) / target.std
    return np.mean(np.exp(-0.5 * z**2), axis=1) / (target.std * math.sqrt(2 * math.pi))


def run_for_diagnosis(*, steps: int = 200, seed: int = 0) -> ToyGanHistory:
    """A short ``ring8`` run with one of the classic failures, for a diagnose-this-log exercise.

    The settings are in the returned history's ``config`` (read it only after answering): they
    combine the saturating (minimax) generator loss with ten discriminator steps per generator
    step, the regime in which Goodfellow et al. 2014 (section 3) warn that D rejects the fakes
    with high confidence and log(1 - D(G(z))) saturates.
    """
    return train_toy_gan(
        target="ring8",
        steps=steps,
        loss="saturating",
        d_steps=10,
        lr=3e-3,
        seed=seed,
        record_every=max(1, steps // 4),
    )
