"""Diffusion and flow matching made executable, on Gaussian mixtures where everything is exact.

Every path here noises data the same affine way (t in [0, 1], x0 ~ p_data, eps ~ N(0, I)):

    x_t = a_t x0 + s_t eps,        conditional velocity  d x_t / dt = a'_t x0 + s'_t eps

- ``"vp-cosine"``: a = cos(pi t / 2), s = sin(pi t / 2), variance preserving (a^2 + s^2 = 1);
  the cosine schedule of Nichol & Dhariwal 2021 (arXiv:2102.09672) without its offset.
- ``"vp-linear"``: a = exp(-1/2 int_0^t beta), beta(t) = 0.1 + 19.9 t, s = sqrt(1 - a^2): the VP
  SDE of Song et al. 2021 (arXiv:2011.13456, eq. 11), the limit of DDPM's linear betas
  (Ho et al. 2020, arXiv:2006.11239).
- ``"linear"``: a = 1 - t, s = t: the optimal-transport path of Lipman et al. 2023
  (arXiv:2210.02747, eq. 20 with sigma_min = 0) and rectified flow (Liu et al. 2023,
  arXiv:2209.03003).

If p_data = sum_k w_k N(mu_k, S_k), then x_t is a mixture again, p_t = sum_k w_k N(a mu_k, C_k)
with C_k = a^2 S_k + s^2 I, and inside component k (x0, eps, x_t) are jointly Gaussian. With
d_k = C_k^{-1} (x - a mu_k) and responsibilities r_k(x) = w_k N_k(x) / p_t(x):

    grad log p_t(x) = -sum_k r_k d_k                      (the score)
    E[x0 | x_t = x] = sum_k r_k (mu_k + a S_k d_k),  E[eps | x_t = x] = sum_k r_k s d_k
    u_t(x) = E[a' x0 + s' eps | x_t = x]                  (the marginal velocity, Lipman eq. 8)

For the VP paths u_t is the probability-flow ODE of Song et al. 2021 (eq. 13). Time runs as in
diffusion, t = 0 data and t = 1 noise; Lipman et al. and Liu et al. run it the other way, so
their velocity is minus this one. Tensors are torch float64; points are ``(n, D)``. Written for
D = 1 and D = 2, the module holds for any D. The identities at the end return both of their
sides, so that a test or a notebook can compare them. Integrating u_t from noise to data, and a
network that learns it, are in ``vidgen_edu.foundations.flow_toy``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from vidgen_edu.errors import UsageError

PATHS = ("vp-cosine", "vp-linear", "linear")
PREDICTIONS = ("eps", "x0", "score", "velocity")
Field = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (x (n, D), t (n,)) -> (n, D)
F64 = torch.float64


@dataclass(frozen=True)
class GaussianMixture:
    """p(x) = sum_k w_k N(x; mu_k, S_k).

    >>> mix = toy_mixture(1)
    >>> mix.sample(4, torch.Generator().manual_seed(0)).shape
    torch.Size([4, 1])
    >>> round(float(mix.log_prob(torch.zeros(1, 1))[0]), 4)
    -1.797
    """

    weights: torch.Tensor  # (K,) > 0, sums to 1
    means: torch.Tensor  # (K, D)
    covs: torch.Tensor  # (K, D, D) symmetric positive definite

    def __post_init__(self) -> None:
        w, mu, cov = (torch.as_tensor(v, dtype=F64) for v in (self.weights, self.means, self.covs))
        k, d = mu.shape if mu.ndim == 2 else (-1, -1)
        if w.shape != (k,) or cov.shape != (k, d, d) or k < 1:
            raise UsageError(
                f"got weights {tuple(w.shape)}, means {tuple(mu.shape)}, covs "
                f"{tuple(cov.shape)}: expected (K,), (K, D), (K, D, D); reshape them"
            )
        if torch.any(w <= 0) or abs(float(w.sum()) - 1) > 1e-6:
            raise UsageError(
                f"got weights {w.tolist()}: expected positive weights summing to 1; "
                "divide by their sum"
            )
        if not torch.allclose(cov, cov.mT) or torch.linalg.cholesky_ex(cov).info.any():
            raise UsageError(
                "a covariance is not symmetric positive definite: use A @ A.T + "
                "eps * I, or diag(std**2)"
            )
        for name, value in (("weights", w / w.sum()), ("means", mu), ("covs", cov)):
            object.__setattr__(self, name, value)

    @property
    def dim(self) -> int:
        return int(self.means.shape[1])

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` draws, ``(n, D)``: a component by its weight, then mu_k + chol(S_k) z."""
        idx = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        z = torch.randn(n, self.dim, generator=generator, dtype=F64)
        chol = torch.linalg.cholesky(self.covs)[idx]  # (n, D, D)
        return self.means[idx] + (chol @ z[..., None])[..., 0]

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x), ``(n,)``, for ``x`` of shape ``(n, D)``."""
        log_joint, _ = _components(
            self, _points(x, self.dim), torch.ones(1, dtype=F64), torch.zeros(1, dtype=F64)
        )
        return torch.logsumexp(log_joint, dim=1)


def toy_mixture(dim: int) -> GaussianMixture:
    """The course's targets: three 1-D bumps, or four correlated 2-D Gaussians of unequal weight."""

    def f64(v: list) -> torch.Tensor:
        return torch.tensor(v, dtype=F64)

    if dim == 1:
        return GaussianMixture(
            f64([0.3, 0.5, 0.2]),
            f64([[-2.0], [0.5], [2.5]]),
            f64([0.4, 0.3, 0.5])[:, None, None] ** 2,
        )
    if dim == 2:
        means = f64([[-1.5, -1.0], [1.5, -1.0], [0.0, 1.5], [1.5, 1.5]])
        rho = f64([0.6, -0.6, 0.0, 0.3])  # correlation of the two coordinates
        std = f64([[0.4, 0.3], [0.3, 0.4], [0.5, 0.2], [0.25, 0.25]])  # (K, 2)
        cov = torch.stack(
            [std[:, 0] ** 2, rho * std.prod(1), rho * std.prod(1), std[:, 1] ** 2], dim=1
        ).reshape(4, 2, 2)  # (K, 2, 2)
        return GaussianMixture(f64([0.3, 0.2, 0.3, 0.2]), means, cov)
    raise UsageError(f"got dim={dim!r}: toy_mixture has dim 1 or 2")


# ---------------------------------------------------------------------------------------------
# the forward process


def schedule(t: torch.Tensor | float, path: str) -> tuple[torch.Tensor, ...]:
    """(a_t, s_t, a'_t, s'_t) of ``path`` at ``t`` (see the module docstring).

    >>> [round(float(v), 4) for v in schedule(0.5, "vp-cosine")]
    [0.7071, 0.7071, -1.1107, 1.1107]
    """
    t = torch.as_tensor(t, dtype=F64)
    if path == "linear":
        return 1 - t, t, -torch.ones_like(t), torch.ones_like(t)
    if path == "vp-cosine":
        h = math.pi / 2
        return torch.cos(h * t), torch.sin(h * t), -h * torch.sin(h * t), h * torch.cos(h * t)
    if path == "vp-linear":
        beta = 0.1 + 19.9 * t
        a = torch.exp(-0.5 * (0.1 * t + 0.5 * 19.9 * t**2))
        s = torch.sqrt(-torch.expm1(-(0.1 * t + 0.5 * 19.9 * t**2)))  # sqrt(1 - a^2), exact near 0
        da = -0.5 * beta * a
        return a, s, da, -a * da / s  # s' = -a a' / s from a^2 + s^2 = 1; infinite at t = 0
    raise UsageError(f"unknown path {path!r}: expected one of {', '.join(PATHS)}")


def noise(x0: torch.Tensor, eps: torch.Tensor, t: torch.Tensor | float, path: str) -> torch.Tensor:
    """x_t = a_t x0 + s_t eps (Ho et al. 2020 eq. 4 for the VP paths), ``(n, D)``."""
    a, s, _, _ = schedule(_times(t, len(x0)), path)
    return a[:, None] * x0 + s[:, None] * eps


def marginal(mix: GaussianMixture, t: float, path: str) -> GaussianMixture:
    """p_t in closed form: sum_k w_k N(a mu_k, a^2 S_k + s^2 I), at one time ``t``."""
    a, s, _, _ = schedule(float(_times(t, 1)[0]), path)
    eye = torch.eye(mix.dim, dtype=F64)
    return GaussianMixture(mix.weights, a * mix.means, a**2 * mix.covs + s**2 * eye)


def marginal_log_prob(
    mix: GaussianMixture, x: torch.Tensor, t: torch.Tensor | float, path: str
) -> torch.Tensor:
    """log p_t(x), ``(n,)``; ``t`` is a number or one time per point ``(n,)``."""
    x = _points(x, mix.dim)
    a, s, _, _ = schedule(_times(t, len(x)), path)
    return torch.logsumexp(_components(mix, x, a, s)[0], dim=1)


def posterior_means(
    mix: GaussianMixture, x: torch.Tensor, t: torch.Tensor | float, path: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """(E[x0 | x_t = x], E[eps | x_t = x]), each ``(n, D)``: the ideal denoiser and noise guess."""
    x = _points(x, mix.dim)
    a, s, _, _ = schedule(_times(t, len(x)), path)
    log_joint, d = _components(mix, x, a, s)  # (n, K), (n, K, D)
    r = torch.softmax(log_joint, dim=1)[..., None]  # (n, K, 1) responsibilities
    x0_k = mix.means + a[:, None, None] * (mix.covs @ d[..., None])[..., 0]  # (n, K, D)
    return (r * x0_k).sum(1), s[:, None] * (r * d).sum(1)


def score(
    mix: GaussianMixture, x: torch.Tensor, t: torch.Tensor | float, path: str
) -> torch.Tensor:
    """grad_x log p_t(x) = -sum_k r_k C_k^{-1} (x - a mu_k), ``(n, D)``; needs s_t > 0 or t = 0."""
    x = _points(x, mix.dim)
    a, s, _, _ = schedule(_times(t, len(x)), path)
    log_joint, d = _components(mix, x, a, s)
    return -(torch.softmax(log_joint, dim=1)[..., None] * d).sum(1)


def velocity(
    mix: GaussianMixture, x: torch.Tensor, t: torch.Tensor | float, path: str = "linear"
) -> torch.Tensor:
    """u_t(x) = a' E[x0 | x] + s' E[eps | x]: the posterior-weighted conditional velocities.

    >>> velocity(toy_mixture(2), torch.zeros(1, 2), 1.0).shape  # at t = 1: -E[x0] + x
    torch.Size([1, 2])
    """
    x0_hat, eps_hat = posterior_means(mix, x, t, path)
    _, _, da, ds = schedule(_times(t, len(x0_hat)), path)
    return da[:, None] * x0_hat + ds[:, None] * eps_hat


def _components(
    mix: GaussianMixture, x: torch.Tensor, a: torch.Tensor, s: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """log(w_k N(x; a mu_k, C_k)) ``(n, K)`` and d_k = C_k^{-1} (x - a mu_k) ``(n, K, D)``."""
    a4, s4 = a[:, None, None, None], s[:, None, None, None]  # (n, 1, 1, 1)
    cov = a4**2 * mix.covs + s4**2 * torch.eye(mix.dim, dtype=F64)  # (n, K, D, D)
    diff = x[:, None, :] - a4[..., 0] * mix.means  # (n, K, D)
    chol = torch.linalg.cholesky(cov)
    d = torch.cholesky_solve(diff[..., None], chol)[..., 0]  # (n, K, D)
    logdet = 2 * torch.log(torch.diagonal(chol, dim1=-2, dim2=-1)).sum(-1)  # (n, K)
    log_n = -0.5 * (mix.dim * math.log(2 * math.pi) + logdet + (diff * d).sum(-1))
    return torch.log(mix.weights) + log_n, d


def _points(x: torch.Tensor, dim: int) -> torch.Tensor:
    x = torch.as_tensor(x, dtype=F64)
    if x.ndim != 2 or x.shape[1] != dim:
        raise UsageError(
            f"got points of shape {tuple(x.shape)}: expected (n, {dim}); use x.reshape(-1, {dim})"
        )
    return x


def _times(t: torch.Tensor | float, n: int) -> torch.Tensor:
    """``t`` as ``(n,)`` float64 in [0, 1]; a number is repeated."""
    t = torch.as_tensor(t, dtype=F64)
    t = t.expand(n) if t.ndim == 0 else t
    if t.shape != (n,) or torch.any((t < 0) | (t > 1)):
        raise UsageError(
            f"got t of shape {tuple(t.shape)} with range [{float(t.min()):.3g}, "
            f"{float(t.max()):.3g}]: expected one number or ({n},) times in [0, 1]"
        )
    return t


# ---------------------------------------------------------------------------------------------
# what a network predicts: noise, data, score or velocity are one another in disguise


def convert(
    value: torch.Tensor,
    *,
    source: str,
    target: str,
    x_t: torch.Tensor,
    t: torch.Tensor | float,
    path: str,
) -> torch.Tensor:
    """One prediction at (x_t, t) as another, for 0 < t < 1 (as in VDM, arXiv:2107.00630).

    eps = (x_t - a x0) / s;  score = -eps / s;  velocity = a' x0 + s' eps. From a velocity,
    [a s; a' s'] [x0; eps] = [x_t; v] is solved (its determinant a s' - s a' is never 0 here).

    >>> x = torch.tensor([[0.3, -1.0]])
    >>> v = convert(x, source="eps", target="velocity", x_t=x, t=0.5, path="linear")
    >>> convert(v, source="velocity", target="eps", x_t=x, t=0.5, path="linear")
    tensor([[ 0.3000, -1.0000]], dtype=torch.float64)
    """
    x_t = torch.as_tensor(x_t, dtype=F64)
    a, s, da, ds = (c[:, None] for c in schedule(_times(t, len(x_t)), path))  # (n, 1)
    if source not in PREDICTIONS or target not in PREDICTIONS:
        raise UsageError(
            f"got source={source!r}, target={target!r}: expected names among "
            f"{', '.join(PREDICTIONS)}"
        )
    if torch.any((a == 0) | (s == 0)):
        raise UsageError(
            "got a time where a_t or s_t is 0 (t = 0 or 1): the predictions only "
            "determine one another for 0 < t < 1; clamp t into (0, 1)"
        )
    if source == "velocity":
        det = a * ds - s * da
        x0, eps = (ds * x_t - s * value) / det, (a * value - da * x_t) / det
    else:
        eps = {"eps": value, "score": -s * value, "x0": (x_t - a * value) / s}[source]
        x0 = (x_t - s * eps) / a
    return {"eps": eps, "x0": x0, "score": -eps / s, "velocity": da * x0 + ds * eps}[target]


# ---------------------------------------------------------------------------------------------
# the identities, each returning both sides


def _regression_gap(
    models: Sequence[Field],
    x_t: torch.Tensor,
    t: torch.Tensor,
    conditional: torch.Tensor,
    marginal_target: torch.Tensor,
    half: float,
) -> dict[str, torch.Tensor]:
    """Per model: half E||f - conditional||^2 (the tractable loss) and half E||f - marginal||^2.

    Since E[conditional | x_t] = marginal, their gap is half (E||conditional||^2 -
    E||marginal||^2) whatever f is: per sample, gap - constant = -2 half f . (conditional -
    marginal), of mean 0. Means are over the n samples; ``*_se`` are their standard errors.
    """
    preds = torch.stack([f(x_t, t) for f in models])  # (M, n, D)
    cond = half * ((preds - conditional) ** 2).sum(-1)  # (M, n)
    marg = half * ((preds - marginal_target) ** 2).sum(-1)  # (M, n)
    const = half * ((conditional**2).sum(-1) - (marginal_target**2).sum(-1))  # (n,)
    gap, n = cond - marg, len(x_t)
    dev, diff = gap - const, gap[0] - gap[-1]  # (M, n), (n,)
    return {
        "conditional_loss": cond.mean(1),
        "marginal_loss": marg.mean(1),
        "gap": gap.mean(1),
        "constant": const.mean(),
        "constant_se": const.std() / math.sqrt(n),
        "deviation": dev.mean(1),
        "deviation_se": dev.std(1) / math.sqrt(n),  # gap - constant
        "gap_difference": diff.mean(),
        "gap_difference_se": diff.std() / math.sqrt(n),
    }


def _draw(
    mix: GaussianMixture, n: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Generator]:
    """(x0 ~ mix, eps ~ N(0, I)), each ``(n, D)``, and the generator for anything else."""
    gen = torch.Generator().manual_seed(seed)
    x0 = mix.sample(n, gen)
    return x0, torch.randn(n, mix.dim, generator=gen, dtype=F64), gen


def score_matching_identity(
    mix: GaussianMixture,
    models: Sequence[Field],
    *,
    t: float,
    path: str = "vp-cosine",
    n: int = 20_000,
    seed: int = 0,
) -> dict[str, torch.Tensor]:
    """Denoising minus explicit score matching is a constant (Vincent 2011, Neural Comput. 23).

    J_DSM(f) = 1/2 E||f(x_t) - grad log p(x_t | x0)||^2 with grad log p(x_t | x0) = -eps / s_t;
    J_ESM(f) = 1/2 E||f(x_t) - grad log p_t(x_t)||^2 (intractable for real data, exact here).
    J_DSM - J_ESM = 1/2 (D / s^2 - E||grad log p_t||^2), the same for every model f(x, t).
    Keys: ``conditional_loss`` (J_DSM) and ``marginal_loss`` (J_ESM) per model, their ``gap``,
    the ``constant``, ``deviation`` (gap - constant) per model, the ``gap_difference`` of the
    first and the last model, and ``*_se`` standard errors.
    """
    x0, eps, _ = _draw(mix, n, seed)
    tt = _times(t, n)
    x_t = noise(x0, eps, tt, path)
    s = schedule(tt, path)[1][:, None]
    return _regression_gap(models, x_t, tt, -eps / s, score(mix, x_t, tt, path), half=0.5)


def flow_matching_identity(
    mix: GaussianMixture,
    models: Sequence[Field],
    *,
    path: str = "linear",
    n: int = 20_000,
    seed: int = 0,
) -> dict[str, torch.Tensor]:
    """Conditional minus marginal flow matching is a constant (Lipman et al. 2023, Thm. 2).

    L_CFM(f) = E_{t, x0, eps}||f(x_t, t) - (a' x0 + s' eps)||^2, t ~ U(0, 1);
    L_FM(f) = E_{t, x_t}||f(x_t, t) - u_t(x_t)||^2. Same keys as ``score_matching_identity``.
    """
    if path == "vp-linear":
        raise UsageError(
            "got path='vp-linear': its s'_t ~ 1/sqrt(t) makes the flow-matching loss "
            "infinite under t ~ U(0, 1); use 'linear' or 'vp-cosine'"
        )
    x0, eps, gen = _draw(mix, n, seed)
    tt = torch.rand(n, generator=gen, dtype=F64)
    _, _, da, ds = schedule(tt, path)
    cond = da[:, None] * x0 + ds[:, None] * eps
    x_t = noise(x0, eps, tt, path)
    return _regression_gap(models, x_t, tt, cond, velocity(mix, x_t, tt, path), half=1.0)


def ddpm_betas(steps: int = 1000, beta_1: float = 1e-4, beta_T: float = 0.02) -> torch.Tensor:
    """Ho et al. 2020's linear schedule (section 4): beta_1 .. beta_T, ``(steps,)``."""
    return torch.linspace(beta_1, beta_T, steps, dtype=F64)


def ddpm_step_identity(
    mix: GaussianMixture,
    eps_model: Field,
    *,
    step: int,
    betas: torch.Tensor,
    variance: str = "posterior",
    n: int = 4096,
    seed: int = 0,
) -> dict[str, torch.Tensor]:
    """DDPM's ELBO term L_{t-1} is a weighted noise-prediction loss (Ho et al. 2020, eq. 12).

    L_{t-1} = KL(q(x_{t-1} | x_t, x0) || p(x_{t-1} | x_t)), q = N(mu~, beta~ I) (eq. 6-7),
    p = N(mu_theta, sigma^2 I) with
        mu_theta = (x_t - beta_t eps_theta / sqrt(1 - abar_t)) / sqrt(alpha_t)      (eq. 11).
    Since mu~ is the same expression with the true eps, for every sample

        KL = lambda_t ||eps - eps_theta||^2 + c,   lambda_t = beta_t^2 / (2 sigma^2 alpha_t
                                                                          (1 - abar_t))

    and c = D/2 (log(sigma^2 / beta~) + beta~ / sigma^2 - 1) (0 for sigma^2 = beta~). With
    sigma^2 = beta~, lambda_t = (SNR(t-1) / SNR(t) - 1) / 2, SNR = abar / (1 - abar): the
    discrete-time loss of Kingma et al. 2021 (VDM, arXiv:2107.00630), written for eps. Ho et al.
    drop lambda_t altogether (L_simple, eq. 14). ``step`` is Ho's t in 2..T; ``eps_model(x_t,
    t)`` gets t as ``(n,)`` integer steps. Returns the per-sample ``kl`` (the exact Gaussian KL)
    and ``weighted`` (lambda_t ||eps - eps_theta||^2 + c), the ``weight``, ``constant``, and
    ``snr_ratio`` SNR(t-1) / SNR(t).
    """
    if not 2 <= step <= len(betas) or variance not in ("posterior", "beta"):
        raise UsageError(
            f"got step={step}, variance={variance!r}: expected 2 <= step <= "
            f"{len(betas)} and variance 'posterior' (beta~) or 'beta' (beta_t)"
        )
    beta, abar = betas[step - 1], torch.cumprod(1 - betas, 0)[step - 1]
    abar_prev, alpha = abar / (1 - beta), 1 - beta
    beta_tilde = (1 - abar_prev) / (1 - abar) * beta  # eq. 7
    var = beta_tilde if variance == "posterior" else beta
    x0, eps, _ = _draw(mix, n, seed)
    x_t = abar.sqrt() * x0 + (1 - abar).sqrt() * eps  # (n, D)
    mu_tilde = (abar_prev.sqrt() * beta * x0 + alpha.sqrt() * (1 - abar_prev) * x_t) / (1 - abar)
    eps_theta = eps_model(x_t, torch.full((n,), step))
    mu_theta = (x_t - beta / (1 - abar).sqrt() * eps_theta) / alpha.sqrt()
    kl = 0.5 * (torch.log(var / beta_tilde) + (beta_tilde + (mu_tilde - mu_theta) ** 2) / var - 1)
    weight = beta**2 / (2 * var * alpha * (1 - abar))
    const = 0.5 * mix.dim * (torch.log(var / beta_tilde) + beta_tilde / var - 1)
    snr_ratio = abar_prev / (1 - abar_prev) * (1 - abar) / abar  # SNR(t-1) / SNR(t)
    return {
        "kl": kl.sum(1),
        "weighted": weight * ((eps - eps_theta) ** 2).sum(1) + const,
        "weight": weight,
        "constant": const,
        "snr_ratio": snr_ratio,
    }
