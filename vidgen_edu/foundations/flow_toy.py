"""Flows on the toy mixtures: carry noise to data along a velocity field, and learn the field.

``vidgen_edu.foundations.diffusion`` gives the exact marginal velocity u_t(x) of a path. Here:

- ``integrate_flow`` solves dx/dt = v(x, t) from t = 1 (x ~ N(0, I)) back to t = 0. With the exact
  u_t this is the probability-flow ODE (Song et al. 2021, arXiv:2011.13456, eq. 13) and its end
  points are distributed as the data: ``transport_check`` measures that with an energy distance.
- ``train_flow_matching`` fits a tiny MLP v_theta(x, t) by conditional flow matching (Lipman et al.
  2023, arXiv:2210.02747, eq. 9; rectified flow, Liu et al. 2023, arXiv:2209.03003):
      L_CFM = E_{t ~ U(0,1), x0, eps} ||v_theta(x_t, t) - (a'_t x0 + s'_t eps)||^2,
  and ``field_error`` measures the result against the exact u_t on a grid of (x, t), which real
  data never allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from vidgen_edu.errors import UsageError
from vidgen_edu.foundations.diffusion import (
    F64,
    Field,
    GaussianMixture,
    flow_matching_identity,
    noise,
    schedule,
    velocity,
)
from vidgen_edu.threads import one_thread

# ---------------------------------------------------------------------------------------------
# transport: integrate a velocity from noise (t = 1) to data (t = 0), and test where it lands


def integrate_flow(
    vel: Field, x1: torch.Tensor, *, steps: int = 50, method: str = "heun"
) -> torch.Tensor:
    """Solve dx/dt = vel(x, t) from t = 1 to t = 0 in ``steps`` uniform steps; ``(n, D)``.

    Heun (Euler, then the trapezoid of the two slopes) with a last plain Euler step, as Karras
    et al. 2022 (arXiv:2206.00364, Alg. 1) do, so that the field is never asked for t = 0.
    """
    if method not in ("euler", "heun") or steps < 1:
        raise UsageError(
            f"got method={method!r}, steps={steps}: expected 'euler' or 'heun' and steps >= 1"
        )
    x, times = x1.to(F64), torch.linspace(1.0, 0.0, steps + 1, dtype=F64)
    for t, t_next in zip(times[:-1], times[1:], strict=True):
        dt, k1 = t_next - t, vel(x, t.expand(len(x)))
        x_euler = x + dt * k1
        if method == "euler" or t_next == 0:
            x = x_euler
        else:
            x = x + dt / 2 * (k1 + vel(x_euler, t_next.expand(len(x))))
    return x


def energy_distance(x: torch.Tensor, y: torch.Tensor) -> float:
    """2 E|X - Y| - E|X - X'| - E|Y - Y'| (Szekely & Rizzo 2013), as a V-statistic: >= 0.

    >>> round(energy_distance(torch.zeros(3, 1), torch.ones(3, 1)), 6)
    2.0
    """
    return float(2 * torch.cdist(x, y).mean() - torch.cdist(x, x).mean() - torch.cdist(y, y).mean())


def transport_check(
    mix: GaussianMixture,
    vel: Field | None = None,
    *,
    path: str = "linear",
    n: int = 2000,
    steps: int = 50,
    method: str = "heun",
    margin: float = 3.0,
    repeats: int = 8,
    seed: int = 0,
) -> dict[str, float]:
    """Does integrating ``vel`` (default: the exact u_t of ``path``) carry N(0, I) onto ``mix``?

    The statistic is the energy distance between n transported points and n fresh data points.
    The threshold needs no permutations: ``margin`` times the largest energy distance between two
    independent data samples of the same size, over ``repeats`` pairs (the ``floor``). When the
    transport is exact, the statistic is distributed as each floor pair; with the defaults the
    check then failed 0.6% (1-D) and 0.2% (2-D) of 3,000 simulated null draws at n = 1000.
    Runs on one thread (``vidgen_edu.threads.one_thread``); about a second for the defaults.

    >>> from vidgen_edu.foundations.diffusion import toy_mixture
    >>> r = transport_check(toy_mixture(1), n=300, steps=20)
    >>> r["passes"], r["statistic"] < r["threshold"]
    (True, True)
    """
    vel = vel or (lambda x, t: velocity(mix, x, t, path))
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad(), one_thread():
        moved = integrate_flow(
            vel, torch.randn(n, mix.dim, generator=gen, dtype=F64), steps=steps, method=method
        )
        stat = energy_distance(moved, mix.sample(n, gen))
        floor = max(energy_distance(mix.sample(n, gen), mix.sample(n, gen)) for _ in range(repeats))
    return {
        "statistic": stat,
        "floor": floor,
        "threshold": margin * floor,
        "ratio": stat / floor,
        "passes": stat <= margin * floor,
    }


# ---------------------------------------------------------------------------------------------
# a learned field


class VelocityMLP(nn.Module):
    """v_theta(x, t): an MLP on the concatenation (x, t), float64, SiLU activations."""

    def __init__(self, dim: int, hidden: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(dim + 1, hidden),
            nn.SiLU(),
            nn.Linear(hidden, hidden),
            nn.SiLU(),
            nn.Linear(hidden, dim),
        ).double()

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([x, t[:, None]], dim=1))  # (n, D + 1) -> (n, D)


@dataclass
class FlowFit:
    """What ``train_flow_matching`` returns."""

    model: VelocityMLP
    config: dict  # the arguments of the run
    losses: list[float] = field(default_factory=list)  # the CFM loss of every step's batch
    error_before: float = float("nan")  # field_error (on a grid) of the initial network
    error_after: float = float("nan")  # field_error after training
    fm_loss_before: float = float("nan")  # L_FM = E_t E_{x ~ p_t} ||v - u_t||^2, initial network
    fm_loss_after: float = float("nan")  # L_FM after training (where the data is, unlike the grid)
    loss_floor: float = float("nan")  # L_CFM - L_FM (Lipman Thm. 2): the CFM loss never goes below


def field_error(
    vel: Field,
    mix: GaussianMixture,
    *,
    path: str = "linear",
    grid: int = 21,
    box: float = 3.0,
    times: tuple[float, ...] = (0.1, 0.3, 0.5, 0.7, 0.9),
) -> float:
    """Mean of ||vel(x, t) - u_t(x)||^2 over a grid: ``grid`` points per axis in [-box, box]^D
    times each of ``times``."""
    axis = torch.linspace(-box, box, grid, dtype=F64)
    x = torch.cartesian_prod(*[axis] * mix.dim).reshape(-1, mix.dim)  # (grid^D, D)
    errors = []
    with torch.no_grad():
        for t in times:
            tt = torch.full((len(x),), t, dtype=F64)
            errors.append(((vel(x, tt) - velocity(mix, x, tt, path)) ** 2).sum(1).mean())
    return float(torch.stack(errors).mean())


def train_flow_matching(
    mix: GaussianMixture,
    *,
    path: str = "linear",
    steps: int = 400,
    batch: int = 512,
    lr: float = 1e-2,
    hidden: int = 64,
    seed: int = 0,
) -> FlowFit:
    """Fit ``VelocityMLP`` by conditional flow matching with Adam; the same seed, the same fit.

    The error is measured twice, before and after: on a grid (``field_error``, including places
    the data never reaches) and where the data is (L_FM, from ``flow_matching_identity``). Runs
    on one CPU thread (``vidgen_edu.threads.one_thread``); a second or two for the defaults.
    """
    if steps < 0 or batch < 1 or path == "vp-linear":
        raise UsageError(
            f"got steps={steps}, batch={batch}, path={path!r}: expected steps >= 0, "
            "batch >= 1 and path 'linear' or 'vp-cosine'"
        )
    with one_thread(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = VelocityMLP(mix.dim, hidden)
        fit = FlowFit(
            model, dict(path=path, steps=steps, batch=batch, lr=lr, hidden=hidden, seed=seed)
        )
        fit.error_before, fit.fm_loss_before = _errors(model, mix, path, seed)
        _train(fit, mix, torch.Generator().manual_seed(seed + 1))
        fit.error_after, fit.fm_loss_after = _errors(model, mix, path, seed)
        identity = flow_matching_identity(mix, [model], path=path, seed=seed)
        fit.loss_floor = float(identity["constant"])
    return fit


def _errors(model: VelocityMLP, mix: GaussianMixture, path: str, seed: int) -> tuple[float, float]:
    """(grid error, L_FM) of ``model``; L_FM on 20,000 fresh (t, x_t) of ``path``."""
    with torch.no_grad():
        fm = flow_matching_identity(mix, [model], path=path, seed=seed + 2)["marginal_loss"][0]
    return field_error(model, mix, path=path), float(fm)


def _train(fit: FlowFit, mix: GaussianMixture, gen: torch.Generator) -> None:
    """The loop of ``train_flow_matching``: fresh (x0, eps, t) every step, one Adam update."""
    cfg, model = fit.config, fit.model
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    for _ in range(cfg["steps"]):
        # a batch of the path: x_t and its conditional velocity a' x0 + s' eps, (batch, D)
        x0 = mix.sample(cfg["batch"], gen)
        eps = torch.randn(x0.shape, generator=gen, dtype=F64)
        t = torch.rand(len(x0), generator=gen, dtype=F64)
        _, _, da, ds = schedule(t, cfg["path"])
        target = da[:, None] * x0 + ds[:, None] * eps
        # forward, backward, step
        loss = ((model(noise(x0, eps, t, cfg["path"]), t) - target) ** 2).sum(1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        fit.losses.append(float(loss.detach()))
