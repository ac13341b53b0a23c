"""Privacy accounting: how much (epsilon, delta) a run of DP-SGD spends, and its record.

DP-SGD releases one noisy sum per step: the Gaussian mechanism (noise std ``sigma * C`` on a sum
whose sensitivity is ``C``, the clipping norm) applied to a Poisson subsample that holds each
record with probability ``q``. Its privacy over ``T`` steps is accounted with

- RDP, Renyi differential privacy (Mironov 2017; the subsampled Gaussian: Mironov, Talwar and
  Zhang 2019): fast, a few microseconds per query, slightly loose. Used to calibrate ``sigma``
  and during training;
- PRV, privacy random variables (Gopi, Lee and Wutschitz 2021, NeurIPS): numerically composes
  the privacy-loss distribution, nearly tight, slower. Reported at the end.

Both are Opacus's (``opacus.accountants``). ``epsilon_dp_accounting`` recomputes epsilon with
Google's ``dp-accounting`` library, an implementation independent of Opacus, for cross-checks.

>>> sigma = calibrate(3.0, 1e-5, sample_rate=0.016, steps=500)
>>> round(epsilon(sigma, 0.016, 500, 1e-5, accountant="rdp"), 1) <= 3.0
True
"""

from __future__ import annotations

import math
import warnings

from vidgen_edu.errors import ConfigError

# Renyi orders searched by the RDP accountant: Opacus's defaults plus large orders, which short
# runs with little noise need (else Opacus warns that the best order is the largest).
ALPHAS = [1 + x / 10.0 for x in range(1, 100)] + list(range(11, 64)) + [128, 256, 512, 1024, 4096]
UNIT = "clip (one clip = one person's video, made from its own handwritten digit)"


def calibrate(
    target_epsilon: float, delta: float, *, sample_rate: float, steps: int, accountant="rdp"
) -> float:
    """The smallest noise multiplier ``sigma`` whose ``steps`` steps spend at most the target.

    Opacus's ``get_noise_multiplier`` bisects ``sigma`` until ``epsilon(sigma)`` is within 0.01
    below ``target_epsilon``.
    """
    from opacus.accountants.utils import get_noise_multiplier

    if not target_epsilon > 0 or not 0 < delta < 1:
        raise ConfigError(
            f"target epsilon {target_epsilon} and delta {delta}: expected epsilon > 0 "
            "and 0 < delta < 1"
        )
    try:
        return float(
            get_noise_multiplier(
                target_epsilon=target_epsilon,
                target_delta=delta,
                sample_rate=sample_rate,
                steps=steps,
                accountant=accountant,
                **({"alphas": ALPHAS} if accountant == "rdp" else {}),
            )
        )
    except ValueError as err:  # Opacus: "The target privacy budget is too low"
        raise ConfigError(
            f"no noise reaches epsilon {target_epsilon} at delta {delta:g} in {steps} steps "
            f"at sampling rate {sample_rate:.4g} ({err}): ask for a larger epsilon or fewer steps"
        ) from None


def epsilon(sigma: float, sample_rate: float, steps: int, delta: float, *, accountant="rdp"):
    """Epsilon spent by ``steps`` steps at noise ``sigma`` and sampling rate ``sample_rate``."""
    if steps == 0:
        return 0.0
    from opacus.accountants import PRVAccountant, RDPAccountant

    if accountant == "rdp":
        acc = RDPAccountant()
        acc.history = [(sigma, sample_rate, steps)]
        with warnings.catch_warnings():  # "optimal order is the largest alpha": still a bound
            warnings.simplefilter("ignore", UserWarning)
            return float(acc.get_epsilon(delta, alphas=ALPHAS))
    acc = PRVAccountant()
    acc.history = [(sigma, sample_rate, steps)]
    return float(acc.get_epsilon(delta))


def epsilon_dp_accounting(sigma: float, sample_rate: float, steps: int, delta: float, *, pld=True):
    """The same epsilon from Google's ``dp-accounting`` (PLD accountant, or RDP with ``pld=False``).

    ``PoissonSampledDpEvent(q, GaussianDpEvent(sigma))`` composed ``steps`` times.
    """
    import dp_accounting

    event = dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(sample_rate, dp_accounting.GaussianDpEvent(sigma)),
        steps,
    )
    if pld:
        acc = dp_accounting.pld.PLDAccountant(value_discretization_interval=1e-4)
    else:
        acc = dp_accounting.rdp.RdpAccountant()
    return float(acc.compose(event).get_epsilon(delta))


def steps_within(target_epsilon: float, sigma: float, sample_rate: float, delta: float) -> int:
    """The most steps whose RDP epsilon stays within ``target_epsilon`` (bisection)."""
    lo, hi = 0, 1
    while epsilon(sigma, sample_rate, hi, delta) <= target_epsilon:
        lo, hi = hi, hi * 2
        if hi > 10**8:
            return lo
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (
            (mid, hi) if epsilon(sigma, sample_rate, mid, delta) <= target_epsilon else (lo, mid)
        )
    return lo


def group_privacy(eps: float, delta: float, k: int) -> tuple[float, float]:
    """``(epsilon, delta)`` for a group of ``k`` records (a source in ``k`` clips).

    An (eps, delta)-DP mechanism is (k eps, k e^{(k-1) eps} delta)-DP for groups of k (Dwork and
    Roth 2014, "The Algorithmic Foundations of Differential Privacy", Theorem 2.2 and its
    (eps, delta) form): a guarantee per clip is a guarantee per person only k-fold weaker.
    """
    if k == 1:
        return eps, delta
    return k * eps, k * math.exp((k - 1) * eps) * delta


def privacy_record(privacy, *, sample_rate: float, steps: int, dataset_size: int, per_source=1):
    """What ``privacy.json`` holds after ``steps`` steps.

    Both accountants give upper bounds on epsilon, so the smaller one holds: PRV's, except where
    its discretisation error (0.01 in epsilon) exceeds the gap, as for tiny epsilons.
    """
    sigma, delta = privacy.noise_multiplier, privacy.delta
    eps_prv = epsilon(sigma, sample_rate, steps, delta, accountant="prv")
    eps_rdp = epsilon(sigma, sample_rate, steps, delta, accountant="rdp")
    eps, which = (eps_prv, "prv") if eps_prv <= eps_rdp else (eps_rdp, "rdp")
    group_eps, group_delta = group_privacy(eps, delta, per_source)
    return {
        "epsilon": eps,
        "delta": delta,
        "accountant": which,
        "epsilon_prv": eps_prv,
        "epsilon_rdp": eps_rdp,
        "target_epsilon": privacy.target_epsilon,
        "noise_multiplier": sigma,
        "sample_rate": sample_rate,
        "steps": steps,
        "max_grad_norm": privacy.max_grad_norm,
        "grad_sample_mode": privacy.grad_sample_mode,
        "dataset_size": dataset_size,
        "unit": UNIT,
        "clips_per_source": per_source,
        "epsilon_per_source": group_eps,
        "delta_per_source": group_delta,
        "private": "the discriminator (DP-SGD on its real half); the generator is post-processing",
    }
