"""VAE theory made executable: the ELBO, the Gaussian KL, and why the reparameterization trick.

Kingma & Welling 2014, "Auto-Encoding Variational Bayes" (arXiv:1312.6114), bound the evidence

    log p(x) >= ELBO(q) = E_{z ~ q(z|x)}[log p(x|z)] - KL(q(z|x) || p(z))            (eq. 3)

with equality when q(z|x) is the true posterior p(z|x). With a diagonal Gaussian encoder
q = N(mu, diag(exp(logvar))) and prior N(0, I) the KL has a closed form (their Appendix B), and
the expectation is estimated with z = mu + sigma * eps, eps ~ N(0, I) (the reparameterization
trick, section 2.4), whose gradient has far lower variance than the score-function (REINFORCE,
Williams 1992) estimator. Functions take and return torch tensors (float64 recommended);
diagonal Gaussians are summed over the last dimension.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from vidgen_edu.errors import UsageError

LOG_2PI = math.log(2 * math.pi)


def kl_gaussians(
    mu1: torch.Tensor, logvar1: torch.Tensor, mu2: torch.Tensor, logvar2: torch.Tensor
) -> torch.Tensor:
    """KL(N(mu1, e^logvar1) || N(mu2, e^logvar2)) for diagonal Gaussians, summed over the last dim.

    Per dimension: 1/2 [logvar2 - logvar1 + (e^logvar1 + (mu1 - mu2)^2) / e^logvar2 - 1].
    With mu2 = 0, logvar2 = 0 this is Kingma & Welling's -1/2 sum(1 + logvar - mu^2 - e^logvar).
    """
    _same_shape(mu1=mu1, logvar1=logvar1, mu2=mu2, logvar2=logvar2)
    per_dim = logvar2 - logvar1 + (logvar1.exp() + (mu1 - mu2) ** 2) / logvar2.exp() - 1
    return 0.5 * per_dim.sum(dim=-1)


def gaussian_log_density(x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(x; mu, diag(e^logvar)), summed over the last dim."""
    _same_shape(x=x, mu=mu, logvar=logvar)
    return -0.5 * (LOG_2PI + logvar + (x - mu) ** 2 / logvar.exp()).sum(dim=-1)


def kl_monte_carlo(
    mu1: torch.Tensor,
    logvar1: torch.Tensor,
    mu2: torch.Tensor,
    logvar2: torch.Tensor,
    *,
    n: int,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(estimate, standard error) of KL(q || p) = E_q[log q(z) - log p(z)] from ``n`` samples of q."""
    gen = torch.Generator().manual_seed(seed)
    eps = torch.randn((n, *mu1.shape), generator=gen, dtype=mu1.dtype)
    z = reparameterize(mu1, logvar1, eps)  # (n, ..., D)
    log_ratio = gaussian_log_density(
        z, mu1.expand_as(z), logvar1.expand_as(z)
    ) - gaussian_log_density(z, mu2.expand_as(z), logvar2.expand_as(z))  # (n, ...)
    return log_ratio.mean(dim=0), log_ratio.std(dim=0) / math.sqrt(n)


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """z = mu + sigma * eps with sigma = exp(logvar / 2): a sample of N(mu, sigma^2) that is a
    differentiable function of (mu, logvar) for a fixed noise ``eps`` (Kingma & Welling, 2.4)."""
    return mu + torch.exp(0.5 * logvar) * eps


def elbo(
    x: torch.Tensor,
    x_mu: torch.Tensor,
    x_logvar: torch.Tensor,
    z_mu: torch.Tensor,
    z_logvar: torch.Tensor,
) -> torch.Tensor:
    """One-sample ELBO per example: log N(x; x_mu, e^x_logvar) - KL(N(z_mu, e^z_logvar) || N(0, I)).

    ``x_mu`` and ``x_logvar`` are the decoder's Gaussian at a z drawn with ``reparameterize``;
    ``z_mu``, ``z_logvar`` the encoder's output. Maximising it trains both (eq. 3).
    """
    zeros = torch.zeros_like(z_mu)
    return gaussian_log_density(x, x_mu, x_logvar) - kl_gaussians(z_mu, z_logvar, zeros, zeros)


# ---------------------------------------------------------------------------------------------
# a model whose evidence is known: z ~ N(0, 1), x | z ~ N(a z + b, s^2)  (so x ~ N(b, a^2 + s^2))


def linear_gaussian_log_evidence(x: torch.Tensor, *, a: float, b: float, s: float) -> torch.Tensor:
    """log p(x) for the linear Gaussian model: log N(x; b, a^2 + s^2)."""
    var = torch.full_like(x, a * a + s * s)
    return gaussian_log_density(
        x[..., None], torch.full_like(x, b)[..., None], var.log()[..., None]
    )


def linear_gaussian_posterior(
    x: torch.Tensor, *, a: float, b: float, s: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """(mu, logvar) of the exact posterior p(z | x) = N(a (x - b) / (a^2 + s^2), s^2 / (a^2 + s^2))."""
    denom = a * a + s * s
    return a * (x - b) / denom, torch.full_like(x, math.log(s * s / denom))


def linear_gaussian_elbo(
    x: torch.Tensor, q_mu: torch.Tensor, q_logvar: torch.Tensor, *, a: float, b: float, s: float
) -> torch.Tensor:
    """The exact ELBO of q = N(q_mu, e^q_logvar) in the linear Gaussian model.

    E_q[log N(x; a z + b, s^2)] = log N(x; a q_mu + b, s^2) - a^2 e^q_logvar / (2 s^2), minus
    KL(q || N(0, 1)). It is <= log p(x), with equality at the exact posterior.
    """
    log_s2 = torch.full_like(x, 2 * math.log(s))
    fit = gaussian_log_density(x[..., None], (a * q_mu + b)[..., None], log_s2[..., None])
    fit = fit - a * a * q_logvar.exp() / (2 * s * s)
    zeros = torch.zeros_like(q_mu)[..., None]
    return fit - kl_gaussians(q_mu[..., None], q_logvar[..., None], zeros, zeros)


# ---------------------------------------------------------------------------------------------
# two unbiased estimators of d/dmu E_{z ~ N(mu, sigma^2)}[f(z)]


def reparam_gradient_samples(
    f: Callable[[torch.Tensor], torch.Tensor], mu: float, sigma: float, *, n: int, seed: int = 0
) -> torch.Tensor:
    """``n`` one-sample estimates d/dmu f(mu + sigma eps) = f'(mu + sigma eps), by autograd."""
    gen = torch.Generator().manual_seed(seed)
    eps = torch.randn(n, generator=gen, dtype=torch.float64)
    mu_t = torch.full((n,), float(mu), dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(f(mu_t + sigma * eps).sum(), mu_t)
    return grad


def score_function_gradient_samples(
    f: Callable[[torch.Tensor], torch.Tensor], mu: float, sigma: float, *, n: int, seed: int = 0
) -> torch.Tensor:
    """``n`` one-sample estimates f(z) d/dmu log N(z; mu, sigma^2) = f(z) (z - mu) / sigma^2.

    Unbiased because E[f(z) grad log q(z)] = grad E[f(z)] (the log-derivative trick), but f
    enters as a weight, not through its slope, so the variance is large.
    """
    gen = torch.Generator().manual_seed(seed)
    z = mu + sigma * torch.randn(n, generator=gen, dtype=torch.float64)
    return f(z) * (z - mu) / sigma**2


def compare_gradient_estimators(
    f: Callable[[torch.Tensor], torch.Tensor],
    mu: float,
    sigma: float,
    *,
    n: int = 10_000,
    seed: int = 0,
) -> dict[str, float]:
    """Mean, standard error and variance of both estimators, and the variance ratio score/reparam."""
    out: dict[str, float] = {}
    for name, estimator in (
        ("reparam", reparam_gradient_samples),
        ("score", score_function_gradient_samples),
    ):
        g = estimator(f, mu, sigma, n=n, seed=seed)
        out[f"{name}_mean"] = float(g.mean())
        out[f"{name}_stderr"] = float(g.std() / math.sqrt(n))
        out[f"{name}_var"] = float(g.var())
    out["variance_ratio"] = out["score_var"] / out["reparam_var"]
    return out


def _same_shape(**tensors: torch.Tensor) -> None:
    shapes = {name: tuple(t.shape) for name, t in tensors.items()}
    if len(set(shapes.values())) != 1:
        listed = ", ".join(f"{k} {v}" for k, v in shapes.items())
        raise UsageError(f"shapes differ: {listed}; pass tensors of one shape (diagonal Gaussians)")


def compare_gradient_estimators_nd(
    f: Callable[[torch.Tensor], torch.Tensor],
    mu: torch.Tensor,
    sigma: float,
    *,
    n: int = 10_000,
    seed: int = 0,
) -> dict[str, float]:
    """Both estimators of d/dmu_0 E_{z ~ N(mu, sigma^2 I)}[f(z)], for a latent code z of size d.

    ``f`` maps ``(n, d)`` codes to ``(n,)`` values (a decoder's log-likelihood, say). The score
    estimate of coordinate 0, f(z) (z_0 - mu_0) / sigma^2, carries the noise of f's dependence on
    all d coordinates; the reparameterized one, df/dz_0 at z = mu + sigma eps, only that of its own
    slope. Returns the same keys as :func:`compare_gradient_estimators`.
    """
    mu = torch.as_tensor(mu, dtype=torch.float64).reshape(-1)  # (d,)
    gen = torch.Generator().manual_seed(seed)
    eps = torch.randn(n, mu.numel(), generator=gen, dtype=torch.float64)  # (n, d)
    z = (mu + sigma * eps).requires_grad_(True)
    (grad_z,) = torch.autograd.grad(f(z).sum(), z)
    samples = {
        "reparam": grad_z[:, 0],  # df/dz_0 = df/dmu_0, since dz/dmu = I
        "score": f(z.detach()) * (z.detach()[:, 0] - mu[0]) / sigma**2,
    }
    out: dict[str, float] = {}
    for name, g in samples.items():
        out[f"{name}_mean"] = float(g.mean())
        out[f"{name}_stderr"] = float(g.std() / math.sqrt(n))
        out[f"{name}_var"] = float(g.var())
    out["variance_ratio"] = out["score_var"] / out["reparam_var"]
    return out
