"""The GAN/VAE exercises: a correct solution passes, a stub and a wrong answer fail informatively,
and no failure message reveals the reference's source."""

import inspect

import numpy as np
import pytest
import torch

from vidgen_edu.exercises import ExerciseFailed, check, get, names
from vidgen_edu.exercises.core import run_cases
from vidgen_edu.exercises.gan import sinh_generator_d_star
from vidgen_edu.foundations import gan, vae

CORRECT = {
    "optimal_discriminator": gan.optimal_discriminator,
    "js_divergence": gan.js_divergence,
    "nonsaturating_generator_loss": gan.nonsaturating_generator_loss,
    "nonsaturating_generator_grad": gan.nonsaturating_generator_grad,
    "kl_gaussians": vae.kl_gaussians,
    "reparameterize": vae.reparameterize,
    "elbo": vae.elbo,
    "nb03_d_star_pushforward": sinh_generator_d_star,
}
QUESTIONS = {"nb03_predict_narrow_modes": "a", "nb03_diagnose_log": "c"}


def _learner_solutions():
    """Independent solutions written the way a learner would (not the library's code)."""

    def optimal_discriminator(p_data, p_g):
        out = np.full(len(p_data), 0.5)
        for i, (a, b) in enumerate(zip(p_data, p_g, strict=True)):
            if a + b > 0:
                out[i] = a / (a + b)
        return out

    def js_divergence(p, q):
        m = (p + q) / 2
        kl = lambda a, b: sum(x * np.log(x / y) for x, y in zip(a, b, strict=True) if x > 0)  # noqa: E731
        return 0.5 * kl(p, m) + 0.5 * kl(q, m)

    def nonsaturating_generator_loss(logit):
        return np.logaddexp(0, -logit)

    def nonsaturating_generator_grad(logit):
        return -1 / (1 + np.exp(logit))

    def kl_gaussians(mu1, logvar1, mu2, logvar2):
        var1, var2 = logvar1.exp(), logvar2.exp()
        return 0.5 * (torch.log(var2 / var1) + (var1 + (mu1 - mu2) ** 2) / var2 - 1).sum(-1)

    def reparameterize(mu, logvar, eps):
        return mu + logvar.exp().sqrt() * eps

    def elbo(x, x_mu, x_logvar, z_mu, z_logvar):
        normal = torch.distributions.Normal(x_mu, (0.5 * x_logvar).exp())
        kl = 0.5 * (z_mu**2 + z_logvar.exp() - 1 - z_logvar).sum(-1)
        return normal.log_prob(x).sum(-1) - kl

    def nb03_d_star_pushforward(x, p_data_x, a, s):
        # p_g by the density of G^-1(x) times |d G^-1 / dx|, differentiated numerically
        def inverse(v):
            return np.log((v - a) / s + np.sqrt(((v - a) / s) ** 2 + 1))

        h = 1e-6
        jacobian = (inverse(x + h) - inverse(x - h)) / (2 * h)
        p_g = np.exp(-(inverse(x) ** 2) / 2) / np.sqrt(2 * np.pi) * jacobian
        return p_data_x / (p_data_x + p_g)

    return dict(locals())


WRONG = {
    "optimal_discriminator": lambda p, q: p / (p + q + 1e-12),  # no 1/2 where both vanish
    "js_divergence": lambda p, q: 0.5 * np.sum(np.abs(p - q)),
    "nonsaturating_generator_loss": lambda lg: np.log1p(-1 / (1 + np.exp(-lg))),  # saturating
    "nonsaturating_generator_grad": lambda lg: -1 / (1 + np.exp(-lg)),  # saturating gradient
    "kl_gaussians": lambda m1, l1, m2, l2: 0.5 * ((m1 - m2) ** 2).sum(-1),
    "reparameterize": lambda mu, logvar, eps: mu + logvar.exp() * eps,  # variance, not std
    "elbo": lambda x, xm, xl, zm, zl: -((x - xm) ** 2).sum(-1),
    # the common slip: p_g = p_z(G^-1(x)) without the Jacobian 1 / G'(G^-1(x))
    "nb03_d_star_pushforward": lambda x, p, a, s: (
        p / (p + np.exp(-0.5 * np.arcsinh((x - a) / s) ** 2) / np.sqrt(2 * np.pi))
    ),
}


def test_at_least_five_gan_exercises_are_registered():
    assert set(CORRECT) <= set(names())


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_reference_and_independent_solution_pass(name):
    assert run_cases(name, CORRECT[name]) >= 3
    assert run_cases(name, _learner_solutions()[name]) >= 3


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_stub_fails_with_not_implemented_and_hint(name):
    def stub(*args, **kwargs):
        raise NotImplementedError("your code here")

    with pytest.raises(ExerciseFailed) as info:
        check(name, stub)
    message = str(info.value)
    assert "not implemented" in message and get(name).hint in message


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_wrong_function_fails_with_wrong_answer_and_hides_the_reference(name):
    with np.errstate(all="ignore"):
        with pytest.raises(ExerciseFailed) as info:
            check(name, WRONG[name])
    message = str(info.value)
    assert "wrong answer" in message and "hint" in message
    source_lines = [ln.strip() for ln in inspect.getsource(CORRECT[name]).splitlines()]
    body = [ln for ln in source_lines if len(ln) > 25 and not ln.startswith(('"""', "def "))]
    assert body and not any(ln in message for ln in body)


def test_the_d_star_reference_matches_a_sampled_generator():
    """The reference's p_g is the density of a + s sinh(z): compare with a histogram of samples."""
    a, s = 0.3, 0.8
    samples = a + s * np.sinh(np.random.default_rng(0).standard_normal(1_000_000))
    edges = np.linspace(-2, 2, 41)
    counts, _ = np.histogram(samples, bins=edges)
    p_g_hist = counts / (len(samples) * np.diff(edges))
    centres = (edges[:-1] + edges[1:]) / 2
    d = sinh_generator_d_star(centres, np.ones_like(centres), a, s)  # p_data = 1: D* = 1/(1+p_g)
    assert np.allclose(1 / d - 1, p_g_hist, atol=0.01)


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_questions_accept_the_answer_and_never_reveal_it(name):
    right = QUESTIONS[name]
    assert run_cases(name, lambda: right) == 1
    assert run_cases(name, lambda: right.upper() + " ") == 1  # case and spaces do not matter
    for wrong in sorted(set(get(name).choices) - {right}):
        with pytest.raises(ExerciseFailed) as info:
            check(name, lambda w=wrong: w)
        message = str(info.value)
        assert get(name).hint in message and repr(right) not in message
    with pytest.raises(ExerciseFailed, match="one letter"):
        check(name, lambda: "e")
