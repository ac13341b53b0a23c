"""Exercises of notebook 03 (GAN and VAE theory): ``check("optimal_discriminator", fn)`` and so on.

Each case generator draws inputs with the ``rng`` it is given; the references are the library's
own functions in ``vidgen_edu.foundations.gan`` and ``vidgen_edu.foundations.vae``.
"""

from __future__ import annotations

import numpy as np
import torch

from vidgen_edu.foundations import gan, vae

from .core import exercise


def _density(rng: np.random.Generator, n: int, zeros: int) -> np.ndarray:
    """A random probability vector of length ``n`` with ``zeros`` entries set to exactly 0."""
    p = rng.random(n)
    p[rng.choice(n, size=zeros, replace=False)] = 0.0
    return p / p.sum()


def _tensor(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> torch.Tensor:
    return torch.as_tensor(scale * rng.standard_normal(shape), dtype=torch.float64)


@exercise(
    "optimal_discriminator",
    reference=gan.optimal_discriminator,
    hint="D*(x) = p_data(x) / (p_data(x) + p_g(x)); where both are 0, return 0.5",
)
def _optimal_discriminator_cases(rng):
    for n in (5, 17, 64):
        p_data, p_g = _density(rng, n, n // 4), _density(rng, n, n // 4)
        p_data[0] = p_g[0] = 0.0  # a point that neither distribution reaches
        yield (p_data, p_g), {}


@exercise(
    "js_divergence",
    reference=gan.js_divergence,
    hint="m = (p + q) / 2; JSD = KL(p||m)/2 + KL(q||m)/2, natural log, terms with p = 0 count 0",
)
def _js_cases(rng):
    for n in (4, 10, 50):
        yield (_density(rng, n, 1), _density(rng, n, 2)), {}
    p = _density(rng, 8, 0)
    yield (p, p.copy()), {}  # identical distributions: JSD = 0


@exercise(
    "nonsaturating_generator_loss",
    reference=gan.nonsaturating_generator_loss,
    hint="-log sigmoid(l) = log(1 + exp(-l)); use np.logaddexp(0, -l) so that l = -50 works",
)
def _nonsaturating_loss_cases(rng):
    yield (np.array([-50.0, -5.0, 0.0, 5.0, 50.0]),), {}
    for _ in range(3):
        yield (rng.normal(0, 4, size=12),), {}


@exercise(
    "nonsaturating_generator_grad",
    reference=gan.nonsaturating_generator_grad,
    hint="d/dl [-log sigmoid(l)] = -(1 - sigmoid(l)): about -1 when D rejects the fake (l << 0)",
)
def _nonsaturating_grad_cases(rng):
    yield (np.array([-30.0, -2.0, 0.0, 2.0, 30.0]),), {}
    for _ in range(3):
        yield (rng.normal(0, 4, size=12),), {}


@exercise(
    "kl_gaussians",
    reference=vae.kl_gaussians,
    hint="per dimension: (logvar2 - logvar1 + (exp(logvar1) + (mu1 - mu2)**2) / exp(logvar2) - 1) / 2, "
    "then sum over the last dimension",
)
def _kl_cases(rng):
    for shape in ((1, 3), (4, 2), (2, 5)):
        yield tuple(_tensor(rng, *shape, scale=0.8) for _ in range(4)), {}
    mu, logvar = _tensor(rng, 2, 3), _tensor(rng, 2, 3)
    yield (mu, logvar, mu.clone(), logvar.clone()), {}  # KL of a distribution with itself: 0


@exercise(
    "reparameterize",
    reference=vae.reparameterize,
    hint="z = mu + exp(logvar / 2) * eps (sigma is the square root of the variance)",
)
def _reparameterize_cases(rng):
    for shape in ((3,), (4, 2), (2, 3, 5)):
        yield tuple(_tensor(rng, *shape) for _ in range(3)), {}


@exercise(
    "elbo",
    reference=vae.elbo,
    hint="log N(x; x_mu, exp(x_logvar)) summed over the last dim, minus KL(N(z_mu, exp(z_logvar)) "
    "|| N(0, I)); log N includes -log(2 pi)/2 per dimension",
)
def _elbo_cases(rng):
    for batch, x_dim, z_dim in ((1, 4, 2), (3, 6, 3), (5, 2, 1)):
        x, x_mu, x_logvar = (_tensor(rng, batch, x_dim, scale=0.7) for _ in range(3))
        z_mu, z_logvar = _tensor(rng, batch, z_dim), _tensor(rng, batch, z_dim, scale=0.5)
        yield (x, x_mu, x_logvar, z_mu, z_logvar), {}
