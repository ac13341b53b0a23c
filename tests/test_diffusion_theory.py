"""Diffusion and flow-matching theory on Gaussian mixtures: the closed-form score and velocity
against autograd and Monte Carlo, the prediction conversions, the identities of Vincent 2011,
Lipman et al. 2023 and Ho et al. 2020 within Monte Carlo error, probability-flow transport, and a
learned field. Tolerances are Z standard errors of the estimate, never typed-in results."""

import doctest
import itertools
import math

import pytest
import torch

from vidgen_edu.errors import UsageError
from vidgen_edu.foundations import diffusion as dif
from vidgen_edu.foundations import flow_toy
from vidgen_edu.threads import one_thread

Z = 4.0  # standard errors a Monte Carlo estimate may be off: two-sided p ~ 6e-5
MIX = {1: dif.toy_mixture(1), 2: dif.toy_mixture(2)}
PATHS = dif.PATHS


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny tensors: a second thread only spins on a shared 2-core machine (FIELD-NOTES)."""
    with one_thread():
        yield


@pytest.mark.parametrize("module", [dif, flow_toy])
def test_docstring_examples_run(module):
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0


# ---------------------------------------------------------------------------------------------
# the mixture and its marginals


def test_mixture_density_integrates_to_one_and_samples_match_moments():
    mix = MIX[1]
    x = torch.linspace(-6, 7, 5001, dtype=torch.float64)[:, None]
    assert float(mix.log_prob(x).exp().sum() * (x[1] - x[0])) == pytest.approx(1.0, abs=1e-8)
    samples = MIX[2].sample(40_000, _gen())
    mean = (MIX[2].weights[:, None] * MIX[2].means).sum(0)
    se = samples.std(0) / math.sqrt(len(samples))
    assert torch.all((samples.mean(0) - mean).abs() <= Z * se)


@pytest.mark.parametrize("path", PATHS)
def test_marginal_is_the_noised_mixture(path):
    mix, t, n = MIX[2], 0.4, 40_000
    p_t = dif.marginal(mix, t, path)
    x = p_t.sample(5, _gen(1))
    assert torch.allclose(p_t.log_prob(x), dif.marginal_log_prob(mix, x, t, path), atol=1e-12)
    gen = _gen(2)
    eps = torch.randn(n, 2, generator=gen, dtype=torch.float64)
    x_t = dif.noise(mix.sample(n, gen), eps, t, path)  # (n, 2)
    mean = (p_t.weights[:, None] * p_t.means).sum(0)  # (2,)
    second = p_t.covs + p_t.means[:, :, None] * p_t.means[:, None, :]  # (K, 2, 2) E[x x^T | k]
    var = torch.diagonal((p_t.weights[:, None, None] * second).sum(0)) - mean**2
    assert torch.all((x_t.mean(0) - mean).abs() <= Z * (var / n).sqrt())
    var_se = ((((x_t - mean) ** 2 - var) ** 2).mean(0) / n).sqrt()  # SE of a variance estimate
    assert torch.all((x_t.var(0) - var).abs() <= Z * var_se)


# ---------------------------------------------------------------------------------------------
# score and velocity in closed form


@pytest.mark.parametrize("dim, path", list(itertools.product((1, 2), PATHS)))
def test_score_is_the_gradient_of_the_log_density(dim, path):
    mix = MIX[dim]
    x = (1.5 * torch.randn(64, dim, generator=_gen(dim), dtype=torch.float64)).requires_grad_(True)
    t = torch.rand(64, generator=_gen(9), dtype=torch.float64) * 0.98 + 0.01  # one t per point
    (auto,) = torch.autograd.grad(dif.marginal_log_prob(mix, x, t, path).sum(), x)
    assert torch.allclose(dif.score(mix, x.detach(), t, path), auto, atol=1e-10)


def test_score_at_t0_is_the_data_score():
    mix = MIX[2]
    x = torch.randn(32, 2, generator=_gen(), dtype=torch.float64).requires_grad_(True)
    (auto,) = torch.autograd.grad(mix.log_prob(x).sum(), x)
    assert torch.allclose(dif.score(mix, x.detach(), 0.0, "linear"), auto, atol=1e-10)


def _posterior_average_velocity(mix, x, t, path, n):
    """E[a' x0 + s' eps | x_t = x] by self-normalised importance sampling over x0 ~ p_data."""
    a, s, da, ds = (float(v) for v in dif.schedule(t, path))
    x0 = mix.sample(n, _gen(7))  # (n, D)
    eps = (x - a * x0) / s  # the noise that leads from each x0 to x
    log_w = -0.5 * (eps**2).sum(1)  # log N(x; a x0, s^2 I) up to a constant
    w = torch.softmax(log_w, dim=0)[:, None]  # (n, 1), sums to 1
    u = da * x0 + ds * eps
    mean = (w * u).sum(0)
    se = ((w**2) * (u - mean) ** 2).sum(0).sqrt()  # delta method for a ratio estimator
    return mean, se, 1 / float((w**2).sum())


@pytest.mark.parametrize(
    "dim, path, t",
    [
        (1, "linear", 0.3),
        (1, "vp-cosine", 0.6),
        (2, "linear", 0.5),
        (2, "vp-linear", 0.4),
        (2, "vp-cosine", 0.9),
    ],
)
def test_velocity_is_the_posterior_average_of_conditional_velocities(dim, path, t):
    mix = MIX[dim]
    for x in 0.8 * torch.randn(3, dim, generator=_gen(3), dtype=torch.float64):
        mc, se, ess = _posterior_average_velocity(mix, x, t, path, n=100_000)
        assert ess > 500  # enough effective samples for the delta-method error bar
        exact = dif.velocity(mix, x[None], t, path)[0]
        assert torch.all((exact - mc).abs() <= Z * se + 1e-12)


def test_vp_velocity_is_the_probability_flow_ode_of_song_et_al():
    mix, x = MIX[2], torch.randn(50, 2, generator=_gen(), dtype=torch.float64)
    t = torch.rand(50, generator=_gen(1), dtype=torch.float64) * 0.95 + 0.05
    beta = (0.1 + 19.9 * t)[:, None]  # dx = -beta x / 2 dt + sqrt(beta) dW (Song et al. eq. 11)
    ode = -0.5 * beta * x - 0.5 * beta * dif.score(mix, x, t, "vp-linear")  # f - g^2 score / 2
    assert torch.allclose(dif.velocity(mix, x, t, "vp-linear"), ode, atol=1e-9)


# ---------------------------------------------------------------------------------------------
# conversions between predictions


@pytest.mark.parametrize("path", PATHS)
def test_conversions_round_trip(path):
    x_t = torch.randn(20, 2, generator=_gen(), dtype=torch.float64)
    value = torch.randn(20, 2, generator=_gen(1), dtype=torch.float64)
    t = torch.rand(20, generator=_gen(2), dtype=torch.float64) * 0.9 + 0.05
    for source, target in itertools.permutations(dif.PREDICTIONS, 2):
        there = dif.convert(value, source=source, target=target, x_t=x_t, t=t, path=path)
        back = dif.convert(there, source=target, target=source, x_t=x_t, t=t, path=path)
        assert torch.allclose(back, value, atol=1e-9), (source, target)


@pytest.mark.parametrize("path", PATHS)
def test_conversions_agree_with_the_closed_forms(path):
    mix, t = MIX[2], 0.35
    x = torch.randn(40, 2, generator=_gen(), dtype=torch.float64)
    x0_hat, eps_hat = dif.posterior_means(mix, x, t, path)
    sc = dif.score(mix, x, t, path)

    def conv(v, source, target):
        return dif.convert(v, source=source, target=target, x_t=x, t=t, path=path)

    assert torch.allclose(conv(sc, "score", "x0"), x0_hat, atol=1e-10)  # Tweedie's formula
    assert torch.allclose(conv(eps_hat, "eps", "score"), sc, atol=1e-10)
    assert torch.allclose(conv(sc, "score", "velocity"), dif.velocity(mix, x, t, path), atol=1e-10)


# ---------------------------------------------------------------------------------------------
# the identities


MODELS = [lambda x, t: -x, lambda x, t: 2 * torch.tanh(x.flip(1)) + 0.5 * t[:, None]]


def _assert_identity(r):
    for m in range(len(MODELS)):
        assert abs(float(r["deviation"][m])) <= Z * float(r["deviation_se"][m])  # gap = constant
    assert abs(float(r["gap_difference"])) <= Z * float(r["gap_difference_se"])  # same gap
    # power: the two models' losses differ by far more than the resolution of the check
    loss_gap = abs(float(r["conditional_loss"][0] - r["conditional_loss"][1]))
    assert loss_gap > 10 * Z * float(r["gap_difference_se"])


@pytest.mark.parametrize("path, t", [("vp-cosine", 0.3), ("linear", 0.5), ("vp-linear", 0.2)])
def test_denoising_score_matching_differs_from_explicit_by_a_constant(path, t):
    r = dif.score_matching_identity(MIX[2], MODELS, t=t, path=path, n=20_000)
    _assert_identity(r)
    exact = dif.score_matching_identity(
        MIX[2], [lambda x, tt: dif.score(MIX[2], x, tt, path)], t=t, path=path, n=2000
    )
    assert float(exact["marginal_loss"][0]) == pytest.approx(0.0, abs=1e-20)


@pytest.mark.parametrize("path", ["linear", "vp-cosine"])
def test_conditional_flow_matching_differs_from_marginal_by_a_constant(path):
    _assert_identity(dif.flow_matching_identity(MIX[2], MODELS, path=path, n=20_000))


def _expected_sq_error(m, v, abar, c, b):
    """E[(eps - c x_t - b)^2] for x0 ~ N(m, v), x_t = sqrt(abar) x0 + sqrt(1 - abar) eps."""
    mean = -c * math.sqrt(abar) * m - b
    return (1 - c * math.sqrt(1 - abar)) ** 2 + c**2 * abar * v + mean**2


@pytest.mark.parametrize(
    "step, variance", [(2, "posterior"), (50, "beta"), (500, "posterior"), (1000, "beta")]
)
def test_ddpm_step_term_is_a_weighted_noise_prediction_loss(step, variance):
    m, v, c, b = 0.7, 0.5, 0.4, -0.1
    gauss = dif.GaussianMixture(torch.ones(1), torch.tensor([[m]]), torch.tensor([[[v]]]))
    betas = dif.ddpm_betas()
    r = dif.ddpm_step_identity(
        gauss, lambda x, t: c * x + b, step=step, betas=betas, variance=variance, n=20_000
    )
    # for every sample, the exact Gaussian KL is the weighted squared noise error
    assert torch.allclose(r["kl"], r["weighted"], rtol=1e-8, atol=1e-12)
    # the expectation: Monte Carlo of the KL against the closed form of the weighted loss
    abar = float(torch.cumprod(1 - betas, 0)[step - 1])
    closed = float(r["weight"]) * _expected_sq_error(m, v, abar, c, b) + float(r["constant"])
    se = float(r["kl"].std()) / math.sqrt(len(r["kl"]))
    assert abs(float(r["kl"].mean()) - closed) <= Z * se
    assert abs(float(r["kl"].mean()) - 1.1 * closed) > Z * se  # a 10% wrong weight is caught
    if variance == "posterior":  # Kingma et al. 2021: the weight is (SNR(t-1) / SNR(t) - 1) / 2
        assert float(r["constant"]) == 0.0
        assert float(r["weight"]) == pytest.approx(0.5 * (float(r["snr_ratio"]) - 1), rel=1e-10)


# ---------------------------------------------------------------------------------------------
# transport along the exact field, and a learned one


@pytest.mark.parametrize("dim, path", [(2, "linear"), (1, "vp-cosine")])
def test_exact_field_carries_noise_to_data_and_a_wrong_one_does_not(dim, path):
    mix = MIX[dim]
    right = flow_toy.transport_check(mix, path=path, n=1000)
    wrong = flow_toy.transport_check(
        mix, lambda x, t: 0.5 * dif.velocity(mix, x, t, path), path=path, n=1000
    )
    assert right["passes"], right
    assert not wrong["passes"], wrong


def test_learned_field_error_drops():
    fit = flow_toy.train_flow_matching(MIX[2], steps=400)
    assert fit.error_after < 0.5 * fit.error_before  # on the grid, far places included
    assert fit.fm_loss_after < 0.2 * fit.fm_loss_before  # where the data is
    late = torch.tensor(fit.losses[-100:])  # batch CFM losses = L_FM + floor, never below it
    assert float(late.mean()) > fit.loss_floor


def test_training_is_deterministic_per_seed():
    a = flow_toy.train_flow_matching(MIX[1], steps=15, seed=3)
    b = flow_toy.train_flow_matching(MIX[1], steps=15, seed=3)
    c = flow_toy.train_flow_matching(MIX[1], steps=15, seed=4)
    assert a.losses == b.losses and a.losses != c.losses


# ---------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda: dif.GaussianMixture(
                torch.tensor([0.5, 0.4]), torch.zeros(2, 1), torch.ones(2, 1, 1)
            ),
            "summing to 1",
        ),
        (
            lambda: dif.GaussianMixture(torch.ones(1), torch.zeros(1, 2), -torch.eye(2)[None]),
            "positive definite",
        ),
        (
            lambda: dif.GaussianMixture(torch.ones(1), torch.zeros(2), torch.ones(1, 1, 1)),
            r"\(K, D\)",
        ),
        (lambda: dif.schedule(0.5, "cosine"), "unknown path"),
        (lambda: dif.score(MIX[2], torch.zeros(3, 2), 1.5, "linear"), r"in \[0, 1\]"),
        (lambda: dif.velocity(MIX[2], torch.zeros(3), 0.5), r"expected \(n, 2\)"),
        (
            lambda: dif.convert(
                torch.zeros(1, 2),
                source="noise",
                target="x0",
                x_t=torch.zeros(1, 2),
                t=0.5,
                path="linear",
            ),
            "expected names",
        ),
        (
            lambda: dif.convert(
                torch.zeros(1, 2),
                source="eps",
                target="x0",
                x_t=torch.zeros(1, 2),
                t=1.0,
                path="linear",
            ),
            r"clamp t into \(0, 1\)",
        ),
        (
            lambda: dif.ddpm_step_identity(MIX[1], lambda x, t: x, step=1, betas=dif.ddpm_betas()),
            "2 <= step",
        ),
        (lambda: dif.flow_matching_identity(MIX[1], [], path="vp-linear"), "infinite"),
        (lambda: flow_toy.integrate_flow(lambda x, t: x, torch.zeros(2, 1), method="rk4"), "heun"),
        (lambda: flow_toy.train_flow_matching(MIX[1], steps=-1), "steps >= 0"),
    ],
)
def test_bad_input_says_what_to_do(call, match):
    with pytest.raises(UsageError, match=match):
        call()
