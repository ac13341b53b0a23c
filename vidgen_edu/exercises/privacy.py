"""Exercises of notebook 06 (private training): ``check("nb06_clip_per_sample", fn)`` and so on.

- ``nb06_clip_per_sample``: scale each per-sample gradient to norm at most ``C`` (Abadi et al.
  2016, CCS, Algorithm 1, "clip gradient").
- ``nb06_gaussian_sigma``: the classical Gaussian mechanism's noise for (epsilon, delta)
  (Dwork and Roth 2014, "The Algorithmic Foundations of Differential Privacy", Theorem A.1).
- ``nb06_dp_sgd_update``: one DP-SGD gradient, ``(sum_i clip_C(g_i) + sigma C xi) / (q N)``.
- ``nb06_audit_epsilon`` (derive): the epsilon a measured (TPR, FPR) shows,
  ``ln((TPR - delta) / FPR)`` (Kairouz, Oh, Viswanath 2015, ICML; Jagielski, Ullman, Oprea 2020,
  NeurIPS), clamped at 0.
- ``nb06_batch_doubles`` (predict) and ``nb06_double_charged`` (diagnose): questions; the notebook
  runs the accountant (or the two training loops) and asserts what the answer says.

References are the library's own functions where it has one (``privacy.membership.log_ratio``)
and the formula in two lines otherwise.
"""

from __future__ import annotations

import math

import torch

from vidgen_edu.privacy.membership import log_ratio

from .core import exercise, question


def clip_per_sample(grads: torch.Tensor, max_norm: float) -> torch.Tensor:
    """``g_i * min(1, C / ||g_i||)`` for each row of ``grads (B, D)``: norms at most ``C``."""
    norms = grads.norm(dim=1, keepdim=True)  # (B, 1)
    return grads * (max_norm / norms.clamp(min=1e-12)).clamp(max=1.0)


def gaussian_sigma(epsilon: float, delta: float, sensitivity: float) -> float:
    """``sqrt(2 ln(1.25 / delta)) * sensitivity / epsilon``: (eps, delta)-DP for eps < 1."""
    return math.sqrt(2 * math.log(1.25 / delta)) * sensitivity / epsilon


def dp_sgd_update(
    grads: torch.Tensor, max_norm: float, sigma: float, expected_batch: float, xi: torch.Tensor
) -> torch.Tensor:
    """``(sum_i clip_C(g_i) + sigma * C * xi) / expected_batch`` from ``grads (B, D)``, ``xi (D,)``."""
    return (clip_per_sample(grads, max_norm).sum(dim=0) + sigma * max_norm * xi) / expected_batch


def audit_epsilon(tpr: float, fpr: float, delta: float) -> float:
    """``max(0, ln((TPR - delta) / FPR))``: the least epsilon consistent with a measured attack."""
    return log_ratio(tpr - delta, fpr)


def _grads(rng, b: int, d: int, scale: float) -> torch.Tensor:
    return torch.as_tensor(rng.normal(0.0, scale, size=(b, d)), dtype=torch.float64)


@exercise(
    "nb06_clip_per_sample",
    reference=clip_per_sample,
    hint="one norm per row (dim=1); multiply each row by min(1, C / norm): rows already shorter "
    "than C stay exactly as they are",
)
def _clip_cases(rng):
    yield (torch.tensor([[3.0, 4.0], [0.3, 0.4]], dtype=torch.float64), 1.0), {}
    for b, d, scale, c in ((4, 5, 1.0, 1.0), (7, 3, 0.1, 1.0), (3, 10, 5.0, 0.5), (1, 1, 2.0, 3.0)):
        yield (_grads(rng, b, d, scale), c), {}


@exercise(
    "nb06_gaussian_sigma",
    reference=gaussian_sigma,
    hint="sigma = sqrt(2 ln(1.25 / delta)) * sensitivity / epsilon (natural logarithm)",
)
def _sigma_cases(rng):
    yield (0.5, 1e-5, 1.0), {}
    for _ in range(6):
        eps = float(rng.uniform(0.05, 0.99))
        delta = float(10 ** rng.uniform(-9, -3))
        yield (eps, delta, float(rng.uniform(0.1, 4.0))), {}


@exercise(
    "nb06_dp_sgd_update",
    reference=dp_sgd_update,
    hint="clip each row to norm C first, then sum over the batch, add sigma * C * xi, and divide "
    "by the EXPECTED batch q N (not by the number of rows you were given)",
)
def _update_cases(rng):
    for b, d, c, sigma, expected in (
        (5, 4, 1.0, 1.0, 8.0),
        (1, 3, 0.5, 2.0, 4.0),
        (9, 6, 2.0, 0.7, 10.0),
    ):
        xi = torch.as_tensor(rng.normal(size=d), dtype=torch.float64)
        yield (_grads(rng, b, d, 1.5), c, sigma, expected, xi), {}
    empty = torch.zeros(0, 3, dtype=torch.float64)  # a Poisson sample can be empty: noise only
    yield (empty, 1.0, 1.0, 4.0, torch.as_tensor(rng.normal(size=3), dtype=torch.float64)), {}


@exercise(
    "nb06_audit_epsilon",
    reference=audit_epsilon,
    hint="from TPR <= e^eps FPR + delta, solve for eps; when TPR - delta <= FPR the attack shows "
    "nothing: return 0.0",
    rtol=1e-6,
)
def _audit_cases(rng):
    yield (0.5, 0.01, 1e-5), {}
    yield (0.01, 0.02, 1e-5), {}  # worse than guessing: no evidence, 0
    for _ in range(5):
        fpr = float(rng.uniform(0.001, 0.3))
        yield (float(rng.uniform(fpr, 1.0)), fpr, float(10 ** rng.uniform(-7, -3))), {}


question(
    "nb06_batch_doubles",
    answer="c",
    choices="abcd",
    hint="per step, a subsampled Gaussian costs roughly in proportion to q^2 (in Renyi DP); "
    "doubling q doubles that while halving the number of steps only halves it back once",
)

question(
    "nb06_double_charged",
    answer="b",
    choices="abcd",
    hint="compare 'steps' with 'generator_steps' times 'n_critic': how many private mechanisms "
    "did each discriminator update actually run on private data?",
)
