"""Exercises of notebook 03 (GAN and VAE theory): ``check("optimal_discriminator", fn)`` and so on.

Each case generator draws inputs with the ``rng`` it is given; the references are the library's
own functions in ``vidgen_edu.foundations.gan`` and ``vidgen_edu.foundations.vae``, and, for the
derivation through a change of variables, :func:`sinh_generator_d_star` below. The predict and
diagnose exercises are multiple-choice questions (``nb03_...``).
"""

from __future__ import annotations

import math

import numpy as np

from vidgen_edu.foundations import gan, vae

from .core import exercise, normal, question


def _density(rng: np.random.Generator, n: int, zeros: int) -> np.ndarray:
    """A random probability vector of length ``n`` with ``zeros`` entries set to exactly 0."""
    p = rng.random(n)
    p[rng.choice(n, size=zeros, replace=False)] = 0.0
    return p / p.sum()


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
        yield tuple(normal(rng, *shape, scale=0.8) for _ in range(4)), {}
    mu, logvar = normal(rng, 2, 3), normal(rng, 2, 3)
    yield (mu, logvar, mu.clone(), logvar.clone()), {}  # KL of a distribution with itself: 0


@exercise(
    "reparameterize",
    reference=vae.reparameterize,
    hint="z = mu + exp(logvar / 2) * eps (sigma is the square root of the variance)",
)
def _reparameterize_cases(rng):
    for shape in ((3,), (4, 2), (2, 3, 5)):
        yield tuple(normal(rng, *shape) for _ in range(3)), {}


@exercise(
    "elbo",
    reference=vae.elbo,
    hint="log N(x; x_mu, exp(x_logvar)) summed over the last dim, minus KL(N(z_mu, exp(z_logvar)) "
    "|| N(0, I)); log N includes -log(2 pi)/2 per dimension",
)
def _elbo_cases(rng):
    for batch, x_dim, z_dim in ((1, 4, 2), (3, 6, 3), (5, 2, 1)):
        x, x_mu, x_logvar = (normal(rng, batch, x_dim, scale=0.7) for _ in range(3))
        z_mu, z_logvar = normal(rng, batch, z_dim), normal(rng, batch, z_dim, scale=0.5)
        yield (x, x_mu, x_logvar, z_mu, z_logvar), {}


def sinh_generator_d_star(x: np.ndarray, p_data_x: np.ndarray, a: float, s: float) -> np.ndarray:
    """D*(x) for the generator G(z) = a + s sinh(z), z ~ N(0, 1), given p_data at the points x.

    p_g is the pushforward of N(0, 1) by G (change of variables, G increasing):
    p_g(x) = phi(z) / G'(z) at z = G^{-1}(x) = asinh((x - a) / s), G'(z) = s cosh(z); then
    D* = p_data / (p_data + p_g) (Goodfellow et al. 2014, Prop. 1).
    """
    z = np.arcsinh((np.asarray(x, dtype=np.float64) - a) / s)
    p_g = np.exp(-0.5 * z**2) / math.sqrt(2 * math.pi) / (s * np.cosh(z))
    return gan.optimal_discriminator(np.asarray(p_data_x, dtype=np.float64), p_g)


@exercise(
    "nb03_d_star_pushforward",
    reference=sinh_generator_d_star,
    hint="p_g(x) = p_z(z) / |G'(z)| at z = G^{-1}(x): invert x = a + s sinh(z), and do not forget "
    "the factor 1 / (s cosh z); then D* = p_data / (p_data + p_g)",
)
def _d_star_pushforward_cases(rng):
    for n in (5, 12, 30):
        x = rng.uniform(-4, 4, size=n)
        p_data_x = rng.uniform(0.01, 0.6, size=n)
        yield (x, p_data_x, float(rng.normal(0, 1)), float(rng.uniform(0.5, 2.0))), {}


question(
    "nb03_predict_narrow_modes",
    answer="a",
    choices="abcd",
    hint="C = -log 4 + 2 JSD, and JSD approaches log 2 as the two distributions overlap less",
)

question(
    "nb03_diagnose_log",
    answer="c",
    choices="abcd",
    hint="look at D(G(z)) and at the share of high-quality samples, then at section 4's "
    "gradient of the saturating loss, -D(G(z))",
)
