"""VAE theory: the closed-form Gaussian KL against Monte Carlo, the ELBO bound on a model with a
known evidence, and the reparameterization vs score-function gradient estimators."""

import math

import pytest
import torch

from vidgen_edu.errors import UsageError
from vidgen_edu.foundations import vae


def _params(seed, shape=(3, 4)):
    gen = torch.Generator().manual_seed(seed)
    return [0.6 * torch.randn(shape, generator=gen, dtype=torch.float64) for _ in range(4)]


@pytest.mark.parametrize("seed", [0, 1])
def test_kl_closed_form_matches_monte_carlo_within_standard_error(seed):
    mu1, lv1, mu2, lv2 = _params(seed)
    exact = vae.kl_gaussians(mu1, lv1, mu2, lv2)
    estimate, stderr = vae.kl_monte_carlo(mu1, lv1, mu2, lv2, n=20_000, seed=seed)
    assert torch.all((estimate - exact).abs() <= 5 * stderr)  # 5 standard errors
    assert torch.all(stderr < 0.1)  # the test has power: the error bar is tight


def test_kl_is_zero_for_equal_and_positive_otherwise():
    mu1, lv1, mu2, lv2 = _params(3)
    assert torch.allclose(vae.kl_gaussians(mu1, lv1, mu1, lv1), torch.zeros(3, dtype=torch.float64))
    assert torch.all(vae.kl_gaussians(mu1, lv1, mu2, lv2) > 0)


def test_kl_to_standard_normal_is_kingma_welling_formula():
    mu, logvar, _, _ = _params(4)
    zeros = torch.zeros_like(mu)
    expected = -0.5 * (1 + logvar - mu**2 - logvar.exp()).sum(-1)
    assert torch.allclose(vae.kl_gaussians(mu, logvar, zeros, zeros), expected)


def test_shape_mismatch_is_reported():
    a = torch.zeros(2, 3)
    with pytest.raises(UsageError, match="shapes differ"):
        vae.kl_gaussians(a, a, a, torch.zeros(2, 4))
    with pytest.raises(UsageError, match=r"x \(2, 3\), mu \(3,\)"):
        vae.gaussian_log_density(a, torch.zeros(3), a)


def test_reparameterize_has_the_right_moments():
    gen = torch.Generator().manual_seed(0)
    eps = torch.randn(200_000, generator=gen, dtype=torch.float64)
    z = vae.reparameterize(
        torch.tensor(1.5, dtype=torch.float64),
        torch.tensor(math.log(4.0), dtype=torch.float64),
        eps,
    )
    assert z.mean().item() == pytest.approx(1.5, abs=0.02)
    assert z.std().item() == pytest.approx(2.0, abs=0.02)


def test_elbo_bounds_evidence_with_equality_at_the_posterior():
    x = torch.tensor([-1.0, 0.3, 2.5], dtype=torch.float64)
    model = dict(a=1.7, b=0.4, s=0.6)
    log_px = vae.linear_gaussian_log_evidence(x, **model)
    post_mu, post_logvar = vae.linear_gaussian_posterior(x, **model)
    assert torch.allclose(vae.linear_gaussian_elbo(x, post_mu, post_logvar, **model), log_px)
    for d_mu, d_lv in ((0.3, 0.0), (0.0, 0.5), (-0.2, -0.7)):
        assert torch.all(
            vae.linear_gaussian_elbo(x, post_mu + d_mu, post_logvar + d_lv, **model) < log_px
        )


def test_monte_carlo_elbo_matches_closed_form():
    model = dict(a=1.7, b=0.4, s=0.6)
    x, q_mu, q_logvar = (torch.tensor([v], dtype=torch.float64) for v in (0.9, 0.2, -1.0))
    gen = torch.Generator().manual_seed(0)
    eps = torch.randn(100_000, 1, generator=gen, dtype=torch.float64)
    z = vae.reparameterize(q_mu, q_logvar, eps)  # (n, 1)
    x_mu = model["a"] * z + model["b"]
    x_logvar = torch.full_like(z, 2 * math.log(model["s"]))
    samples = vae.elbo(x.expand_as(z), x_mu, x_logvar, q_mu.expand_as(z), q_logvar.expand_as(z))
    exact = vae.linear_gaussian_elbo(x, q_mu, q_logvar, **model)
    assert abs(samples.mean() - exact).item() < 4 * samples.std().item() / math.sqrt(len(samples))


def test_reparam_and_score_estimators_agree_and_reparam_has_lower_variance():
    mu, sigma = 0.5, 1.0
    f = lambda z: (z - 2.0) ** 2  # noqa: E731  d/dmu E[f] = 2 (mu - 2)
    r = vae.compare_gradient_estimators(f, mu, sigma, n=100_000, seed=0)
    truth = 2 * (mu - 2.0)
    for name in ("reparam", "score"):
        assert abs(r[f"{name}_mean"] - truth) < 4 * r[f"{name}_stderr"]
    joint = math.hypot(r["reparam_stderr"], r["score_stderr"])
    assert abs(r["reparam_mean"] - r["score_mean"]) < 4 * joint
    assert r["reparam_var"] == pytest.approx(4 * sigma**2, rel=0.05)  # f'(z) = 2(z - 2)
    assert r["variance_ratio"] > 5
