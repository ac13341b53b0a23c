"""GAN theory on discretized densities: Goodfellow et al. 2014's Prop. 1 and Thm. 1, the logit
losses' gradients against autograd, and the seed article's gradients against the chain rule."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from vidgen_edu.errors import UsageError
from vidgen_edu.foundations import gan

# unnormalised weights: exact zeros (to test 0 log 0) or values in [1e-3, 10]
positive = arrays(
    np.float64, st.integers(2, 40), elements=st.one_of(st.just(0.0), st.floats(1e-3, 10.0))
)


def _pair(raw_p, raw_q):
    n = min(len(raw_p), len(raw_q))
    p, q = raw_p[:n].copy(), raw_q[:n].copy()
    p[0] += 1e-3  # never all zero
    q[-1] += 1e-3
    return p / p.sum(), q / q.sum()


@settings(max_examples=60, deadline=None)
@given(positive, positive)
def test_criterion_equals_minus_log4_plus_two_jsd(raw_p, raw_q):
    p, q = _pair(raw_p, raw_q)
    assert gan.generator_criterion(p, q) == pytest.approx(
        -gan.LOG4 + 2 * gan.js_divergence(p, q), abs=1e-6
    )


@settings(max_examples=60, deadline=None)
@given(positive, positive, st.integers(0, 2**31 - 1))
def test_optimal_discriminator_maximises_value(raw_p, raw_q, seed):
    p, q = _pair(raw_p, raw_q)
    d_star = gan.optimal_discriminator(p, q)
    best = gan.value_function(d_star, p, q)
    assert best == pytest.approx(gan.generator_criterion(p, q), abs=1e-6)
    rng = np.random.default_rng(seed)
    for scale in (1e-3, 0.1):
        d = np.clip(d_star + scale * rng.standard_normal(len(p)), 1e-9, 1 - 1e-9)
        assert gan.value_function(d, p, q) <= best + 1e-12


def test_global_optimum_at_equal_densities():
    p = np.full(10, 0.1)
    assert gan.js_divergence(p, p) == pytest.approx(0.0, abs=1e-12)
    assert gan.generator_criterion(p, p) == pytest.approx(-np.log(4), abs=1e-12)
    assert np.allclose(gan.optimal_discriminator(p, p), 0.5)


def test_jsd_of_disjoint_supports_is_log2_and_kl_infinite():
    p, q = np.array([0.5, 0.5, 0, 0]), np.array([0, 0, 0.5, 0.5])
    assert gan.js_divergence(p, q) == pytest.approx(np.log(2), abs=1e-12)
    assert gan.kl_divergence(p, q) == float("inf")


def test_densities_with_dx_match_masses():
    x = np.linspace(-6, 6, 241)
    dx = x[1] - x[0]
    p = np.exp(-0.5 * x**2)
    q = np.exp(-0.5 * (x - 1) ** 2)
    p_dens, q_dens = p / (p.sum() * dx), q / (q.sum() * dx)
    assert gan.js_divergence(p_dens, q_dens, dx=dx) == pytest.approx(
        gan.js_divergence(p / p.sum(), q / q.sum()), abs=1e-12
    )
    # KL of two unit Gaussians one apart is 1/2
    assert gan.kl_divergence(p_dens, q_dens, dx=dx) == pytest.approx(0.5, abs=1e-4)


def test_optimal_discriminator_is_half_where_both_vanish():
    d = gan.optimal_discriminator(np.array([0.0, 0.3, 0.7]), np.array([0.0, 0.6, 0.4]))
    assert d.tolist() == pytest.approx([0.5, 1 / 3, 0.7 / 1.1])


def test_bad_input_says_what_to_do():
    with pytest.raises(UsageError, match="sums to"):
        gan.js_divergence(np.array([0.2, 0.2]), np.array([0.5, 0.5]))
    with pytest.raises(UsageError, match="share one grid"):
        gan.value_function(np.array([0.5]), np.array([0.5, 0.5]), np.array([0.5, 0.5]))
    with pytest.raises(UsageError, match="1-D array"):
        gan.kl_divergence(np.ones((2, 2)) / 4, np.ones((2, 2)) / 4)
    with pytest.raises(UsageError, match="negative or non-finite"):
        gan.generator_criterion(np.array([1.5, -0.5]), np.array([0.5, 0.5]))
    with pytest.raises(UsageError, match="not the logit"):
        gan.value_function(np.array([2.0, -1.0]), np.array([0.5, 0.5]), np.array([0.5, 0.5]))
    with pytest.raises(UsageError, match="share one grid"):
        gan.optimal_discriminator(np.array([0.5, 0.5]), np.array([1.0]))


@pytest.mark.parametrize(
    "loss, grad",
    [
        (gan.saturating_generator_loss, gan.saturating_generator_grad),
        (gan.nonsaturating_generator_loss, gan.nonsaturating_generator_grad),
    ],
)
def test_analytic_gradients_match_autograd(loss, grad):
    logits = np.linspace(-12, 12, 49)
    t = torch.tensor(logits, requires_grad=True)
    reference = {
        gan.saturating_generator_loss: lambda lg: torch.log1p(-torch.sigmoid(lg)),
        gan.nonsaturating_generator_loss: lambda lg: -torch.log(torch.sigmoid(lg)),
    }[loss]
    (auto,) = torch.autograd.grad(reference(t).sum(), t)
    assert np.allclose(grad(logits), auto.numpy(), atol=1e-10)
    assert np.allclose(loss(logits), reference(t).detach().numpy(), atol=1e-9)


def test_losses_are_finite_for_extreme_logits():
    logits = np.array([-800.0, 800.0])
    for fn in (gan.saturating_generator_loss, gan.nonsaturating_generator_loss):
        assert np.all(np.isfinite(fn(logits)))


def test_saturating_gradient_vanishes_where_nonsaturating_does_not():
    curves = gan.generator_gradient_curves(np.array([-8.0, 0.0, 8.0]))
    assert curves["saturating"][0] < 1e-3 and curves["nonsaturating"][0] > 0.999
    assert curves["saturating"][1] == pytest.approx(curves["nonsaturating"][1])  # equal at D = 1/2


def test_hinge_losses():
    assert gan.hinge_discriminator_loss(
        np.array([2.0, 0.0]), np.array([-2.0, 0.5])
    ) == pytest.approx(0.5 + 0.75)
    assert gan.hinge_generator_loss(np.array([1.0, 3.0])) == pytest.approx(-2.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_seed_article_gradients_differ_from_autograd_chain_rule_matches(seed):
    result = gan.seed_gradient_comparison(seed=seed)
    for part in ("generator", "discriminator"):
        r = result[part]
        assert np.allclose(r["chain_rule"], r["autograd"], atol=1e-12)
        assert np.linalg.norm(r["seed"] - r["autograd"]) > 0.1 * np.linalg.norm(r["autograd"])
