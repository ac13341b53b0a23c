"""GAN theory made executable, on discretized 1-D densities and on logits.

Goodfellow et al. 2014, "Generative Adversarial Nets" (arXiv:1406.2661), play the game

    min_G max_D V(D, G) = E_{x ~ p_data}[log D(x)] + E_{z ~ p_z}[log(1 - D(G(z)))]      (eq. 1)

and prove, for a fixed generator density p_g:

- the best discriminator is D*(x) = p_data(x) / (p_data(x) + p_g(x))                  (Prop. 1)
- the generator then minimises C(G) = V(D*, G) = -log 4 + 2 JSD(p_data || p_g),       (Thm. 1)
  whose only minimum is p_g = p_data (JSD = 0, C = -log 4).

Densities here are numpy float64 arrays over a grid: either probability masses that sum to 1
(``dx=None``) or density values on an evenly spaced grid with spacing ``dx`` (then the mass of
cell i is ``p[i] * dx``). Logarithms are natural; ``0 log 0 = 0``.

The losses of the discriminator's logit ``l`` (D = sigmoid(l)) are here too, with the gradients
derived by hand, and the seed article's gradient formulas beside the correct chain-rule ones,
compared with autograd on tiny networks (``seed_gradient_comparison``).
"""

from __future__ import annotations

import numpy as np
import torch

from vidgen_edu.errors import UsageError

LOG4 = float(np.log(4.0))


# ---------------------------------------------------------------------------------------------
# densities


def _masses(p: np.ndarray, dx: float | None, name: str) -> np.ndarray:
    """Probability masses from ``p`` (masses, or densities times ``dx``); checks they are valid."""
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 1 or p.size == 0:
        raise UsageError(f"{name} must be a non-empty 1-D array over a grid, got shape {p.shape}")
    if np.any(p < 0) or not np.all(np.isfinite(p)):
        raise UsageError(f"{name} has negative or non-finite entries: a density is >= 0 and finite")
    w = p if dx is None else p * float(dx)
    total = w.sum()
    if not np.isclose(total, 1.0, atol=1e-6):
        raise UsageError(
            f"{name} sums to {total:.6g} (with dx={dx}), expected 1: normalise it, or pass the "
            "grid spacing dx when it holds density values"
        )
    return w


def _expect(w: np.ndarray, values: np.ndarray) -> float:
    """E[values] under masses ``w``, with the convention 0 * (-inf) = 0 (a term of zero mass)."""
    mask = w > 0
    return float(np.sum(w[mask] * values[mask]))


def value_function(
    d: np.ndarray, p_data: np.ndarray, p_g: np.ndarray, *, dx: float | None = None
) -> float:
    """V(D, G) = E_pdata[log D] + E_pg[log(1 - D)] (Goodfellow et al. 2014, eq. 1).

    ``d`` is the discriminator's output D(x) in [0, 1] on the same grid as the densities.
    """
    d = np.asarray(d, dtype=np.float64)
    w_data, w_g = _masses(p_data, dx, "p_data"), _masses(p_g, dx, "p_g")
    if d.shape != w_data.shape or w_g.shape != w_data.shape:
        raise UsageError(
            f"d, p_data and p_g must share one grid, got shapes {d.shape}, {w_data.shape}, "
            f"{w_g.shape}: evaluate all three on the same points"
        )
    if np.any((d < 0) | (d > 1)):
        raise UsageError("d must lie in [0, 1] (a probability); pass sigmoid(logit), not the logit")
    with np.errstate(divide="ignore"):
        return _expect(w_data, np.log(d)) + _expect(w_g, np.log1p(-d))


def optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) (Goodfellow et al. 2014, Prop. 1).

    Derivation: for each x, V integrates a log y + b log(1 - y) with a = p_data(x), b = p_g(x);
    its derivative a/y - b/(1 - y) vanishes at y = a / (a + b), a maximum since the function is
    concave. Where both densities are 0 no sample ever lands, V does not depend on D there, and
    we define D* = 1/2 (the undecided answer).
    """
    p_data, p_g = np.asarray(p_data, dtype=np.float64), np.asarray(p_g, dtype=np.float64)
    if p_data.shape != p_g.shape:
        raise UsageError(f"p_data {p_data.shape} and p_g {p_g.shape} must share one grid")
    total = p_data + p_g
    out = np.full_like(total, 0.5)
    np.divide(p_data, total, out=out, where=total > 0)
    return out


def kl_divergence(p: np.ndarray, q: np.ndarray, *, dx: float | None = None) -> float:
    """KL(p || q) = sum_x p(x) log(p(x) / q(x)); 0 log 0 = 0, and +inf where p > 0 = q."""
    w_p, w_q = _masses(p, dx, "p"), _masses(q, dx, "q")
    mask = w_p > 0
    if np.any(w_q[mask] == 0):
        return float("inf")
    return float(np.sum(w_p[mask] * (np.log(w_p[mask]) - np.log(w_q[mask]))))


def js_divergence(p: np.ndarray, q: np.ndarray, *, dx: float | None = None) -> float:
    """JSD(p || q) = KL(p || m)/2 + KL(q || m)/2 with m = (p + q)/2; between 0 and log 2."""
    w_p, w_q = _masses(p, dx, "p"), _masses(q, dx, "q")
    m = (w_p + w_q) / 2
    return 0.5 * kl_divergence(w_p, m) + 0.5 * kl_divergence(w_q, m)


def generator_criterion(p_data: np.ndarray, p_g: np.ndarray, *, dx: float | None = None) -> float:
    """C(G) = max_D V(D, G) = V(D*, G); Theorem 1 says it equals -log 4 + 2 JSD(p_data || p_g).

    Computed as V(D*, G) with log D* = log p_data - log(p_data + p_g) and log(1 - D*) =
    log p_g - log(p_data + p_g), which stays finite where D* rounds to exactly 0 or 1.
    """
    w_data, w_g = _masses(p_data, dx, "p_data"), _masses(p_g, dx, "p_g")
    with np.errstate(divide="ignore", invalid="ignore"):  # -inf terms have zero mass
        log_total = np.log(w_data + w_g)
        return _expect(w_data, np.log(w_data) - log_total) + _expect(w_g, np.log(w_g) - log_total)


# ---------------------------------------------------------------------------------------------
# losses of the discriminator's logit l, D = sigmoid(l)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))  # stable for any x


def saturating_generator_loss(logit: np.ndarray) -> np.ndarray:
    """log(1 - sigmoid(l)) = -softplus(l): the term of eq. 1 that G minimises (minimax form)."""
    return -np.logaddexp(0.0, np.asarray(logit, dtype=np.float64))


def saturating_generator_grad(logit: np.ndarray) -> np.ndarray:
    """d/dl log(1 - sigmoid(l)) = -sigmoid(l).

    Derivation: log(1 - s) with s = sigmoid(l), ds/dl = s(1 - s), so d/dl = -s(1 - s)/(1 - s)
    = -s. Early in training D rejects fakes, l << 0, s ~ 0: the gradient vanishes.
    """
    return -_sigmoid(logit)


def nonsaturating_generator_loss(logit: np.ndarray) -> np.ndarray:
    """-log sigmoid(l) = softplus(-l): the "-log D trick" of Goodfellow et al. 2014, section 3."""
    return np.logaddexp(0.0, -np.asarray(logit, dtype=np.float64))


def nonsaturating_generator_grad(logit: np.ndarray) -> np.ndarray:
    """d/dl (-log sigmoid(l)) = -(1 - sigmoid(l)) = sigmoid(l) - 1.

    Derivation: -d/dl log s = -s(1 - s)/s = -(1 - s). At l << 0 it is about -1: the generator
    is pushed hardest exactly when D rejects its samples. Both gradients are negative, so
    gradient descent on either raises l (makes fakes look more real); only the size differs.
    """
    return _sigmoid(logit) - 1.0


def hinge_discriminator_loss(logit_real: np.ndarray, logit_fake: np.ndarray) -> float:
    """E[max(0, 1 - l_real)] + E[max(0, 1 + l_fake)] (Lim & Ye 2017, arXiv:1705.02894)."""
    real = np.maximum(0.0, 1.0 - np.asarray(logit_real, dtype=np.float64))
    fake = np.maximum(0.0, 1.0 + np.asarray(logit_fake, dtype=np.float64))
    return float(real.mean() + fake.mean())


def hinge_generator_loss(logit_fake: np.ndarray) -> float:
    """-E[l_fake]: its gradient d/dl = -1/n never vanishes, whatever D says."""
    return float(-np.mean(np.asarray(logit_fake, dtype=np.float64)))


def generator_gradient_curves(logits: np.ndarray) -> dict[str, np.ndarray]:
    """|d loss / d l| of the saturating and non-saturating generator losses over ``logits``.

    Returns ``{"logit", "d" (= sigmoid(l)), "saturating", "nonsaturating"}``: the vanishing
    gradient of the minimax loss where D(G(z)) -> 0, next to the steady one of the -log D loss.
    """
    logits = np.asarray(logits, dtype=np.float64)
    return {
        "logit": logits,
        "d": _sigmoid(logits),
        "saturating": np.abs(saturating_generator_grad(logits)),
        "nonsaturating": np.abs(nonsaturating_generator_grad(logits)),
    }


# ---------------------------------------------------------------------------------------------
# the seed article's gradients next to the correct ones


def _tiny_discriminator(dim: int, gen: torch.Generator) -> torch.nn.Sequential:
    d = torch.nn.Sequential(torch.nn.Linear(dim, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    with torch.no_grad():
        for p in d.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
    return d.double()


def seed_gradient_comparison(*, dim: int = 3, seed: int = 0) -> dict[str, dict[str, np.ndarray]]:
    """The seed article's gradient formulas (section 4.2) against autograd, on tiny networks.

    Generator: G(z) = theta_g + z (a translation, so theta_g has the shape of a sample and the
    seed's expression can be compared at all), D = sigmoid(MLP), L_g = -log D(G(z)).
      seed:    grad_theta_g L_g = grad_G D(G)
      correct: grad_theta_g L_g = -(1 / D(G)) * grad_x D(x)|_{x=G} @ dG/dtheta_g   (chain rule)
    Discriminator: D(x) = sigmoid(theta_d . x), L_d = -log D(y) - log(1 - D(G(z))).
      seed:    grad_theta_d L_d = grad_G D(G) - grad_G D(y)   (gradients in data space; read
               literally grad_G D(y) = 0, we take the kinder reading grad_y D(y))
      correct: grad_theta_d L_d = -(1/D(y)) grad_theta_d D(y) + (1/(1-D(G))) grad_theta_d D(G)
    Each factor of the correct forms is computed separately; the product is compared with
    autograd through the whole expression. Returns ``{"generator": {...}, "discriminator": {...}}``
    each holding ``autograd``, ``chain_rule`` and ``seed`` as float64 arrays.
    """
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(dim, generator=gen, dtype=torch.float64)
    y = torch.randn(dim, generator=gen, dtype=torch.float64)
    return {"generator": _generator_case(z, gen), "discriminator": _discriminator_case(z, y, gen)}


def _generator_case(z: torch.Tensor, gen: torch.Generator) -> dict[str, np.ndarray]:
    d_net = _tiny_discriminator(z.numel(), gen)
    theta = torch.randn(z.numel(), generator=gen, dtype=torch.float64, requires_grad=True)

    def d_of(x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(d_net(x)).squeeze()

    loss = -torch.log(d_of(theta + z))
    (autograd,) = torch.autograd.grad(loss, theta)
    x = (theta + z).detach().requires_grad_(True)
    d_value = d_of(x)
    (grad_x_d,) = torch.autograd.grad(d_value, x)  # grad_G D(G): the seed's whole formula
    jac_g = torch.autograd.functional.jacobian(lambda t: t + z, theta.detach())  # dG/dtheta = I
    chain = (-1.0 / d_value.detach()) * (grad_x_d @ jac_g)
    return {"autograd": autograd.numpy(), "chain_rule": chain.numpy(), "seed": grad_x_d.numpy()}


def _discriminator_case(
    z: torch.Tensor, y: torch.Tensor, gen: torch.Generator
) -> dict[str, np.ndarray]:
    theta_d = torch.randn(z.numel(), generator=gen, dtype=torch.float64, requires_grad=True)
    fake = z * 0.5 + 1.0  # any fixed generator output G(z)
    loss = -torch.log(torch.sigmoid(theta_d @ y)) - torch.log(1 - torch.sigmoid(theta_d @ fake))
    (autograd,) = torch.autograd.grad(loss, theta_d)
    t = theta_d.detach()
    d_real, d_fake = torch.sigmoid(t @ y), torch.sigmoid(t @ fake)
    grad_t_real = d_real * (1 - d_real) * y  # grad_theta_d sigmoid(theta_d . y)
    grad_t_fake = d_fake * (1 - d_fake) * fake
    chain = -grad_t_real / d_real + grad_t_fake / (1 - d_fake)
    grad_x_fake = d_fake * (1 - d_fake) * t  # grad_x sigmoid(theta_d . x) at x = G(z)
    grad_x_real = d_real * (1 - d_real) * t
    seed_form = grad_x_fake - grad_x_real
    return {"autograd": autograd.numpy(), "chain_rule": chain.numpy(), "seed": seed_form.numpy()}
