"""Additions for notebook 03: the d-dimensional gradient estimators, D's statistics in the toy
GAN's history, and the run behind the diagnose-this-log exercise."""

import math

import numpy as np
import pytest
import torch

from vidgen_edu.foundations import toy_gan, vae


def _sum_of_squares(z):
    return ((z - 2.0) ** 2).sum(-1)  # (n, d) -> (n,)


def test_nd_estimators_are_unbiased_for_a_known_gradient():
    mu = torch.tensor([0.5, -1.0, 3.0], dtype=torch.float64)
    r = vae.compare_gradient_estimators_nd(_sum_of_squares, mu, 1.0, n=50_000, seed=0)
    true = 2 * (0.5 - 2.0)  # d/dmu_0 E[(z_0 - 2)^2] = 2 (mu_0 - 2)
    for name in ("reparam", "score"):
        assert abs(r[f"{name}_mean"] - true) < 4 * r[f"{name}_stderr"]


def test_nd_in_one_dimension_is_the_one_dimensional_comparison():
    one = vae.compare_gradient_estimators(lambda z: (z - 2.0) ** 2, 0.5, 1.0, n=5000, seed=3)
    nd = vae.compare_gradient_estimators_nd(
        _sum_of_squares, torch.tensor([0.5]), 1.0, n=5000, seed=3
    )
    assert nd == pytest.approx(one, rel=1e-9)


def test_score_variance_grows_with_the_latent_size_and_reparam_does_not():
    small, large = (
        vae.compare_gradient_estimators_nd(
            _sum_of_squares, torch.full((d,), 0.5), 1.0, n=20_000, seed=0
        )
        for d in (2, 32)
    )
    assert large["reparam_var"] == pytest.approx(small["reparam_var"], rel=0.1)  # 4 sigma^2
    assert large["score_var"] > 50 * small["score_var"]


def test_history_records_d_on_real_and_fake_batches():
    hist = toy_gan.train_toy_gan(target="mix1d", steps=30, seed=0, record_every=10)
    d_real, d_fake = np.array(hist.d_real), np.array(hist.d_fake)
    assert len(d_real) == len(d_fake) == 30
    assert np.all((d_real > 0) & (d_real < 1) & (d_fake > 0) & (d_fake < 1))
    # -log is convex (Jensen): the mean loss is at least the loss of the mean probability
    bound = -np.log(d_real) - np.log1p(-d_fake)
    assert np.all(np.array(hist.d_loss) >= bound - 1e-6)
    assert not np.allclose(np.array(hist.d_loss), bound, atol=1e-4)  # batches are not constant


def test_the_diagnosis_run_is_a_discriminator_that_overpowers_the_generator():
    hist = toy_gan.run_for_diagnosis(steps=80)
    assert hist.config["loss"] == "saturating" and hist.config["d_steps"] > 1
    late = slice(-20, None)
    assert np.mean(hist.d_real[late]) > 0.8 and np.mean(hist.d_fake[late]) < 0.2
    assert hist.modes_covered[-1] <= 1 and hist.high_quality[-1] < 0.2
    assert math.isfinite(hist.g_loss[-1])
