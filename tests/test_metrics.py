"""Tests of vidgen_edu.metrics: the Fréchet distance, motion statistics, the FVD proxy, evaluate()."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch

from vidgen_edu.errors import UsageError, VideoError
from vidgen_edu.metrics.frechet import (
    feature_statistics,
    frechet_distance,
    frechet_from_features,
)


def _random_psd(rng: np.random.Generator, d: int, rank: int | None = None) -> np.ndarray:
    a = rng.standard_normal((d, rank or d))
    return a @ a.T / (rank or d)


# --- Fréchet distance ----------------------------------------------------------------------


def test_frechet_diagonal_closed_form():
    rng = np.random.default_rng(0)
    v1, v2 = rng.uniform(0.1, 3, 8), rng.uniform(0.1, 3, 8)
    mu1, mu2 = rng.standard_normal(8), rng.standard_normal(8)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(v1) - np.sqrt(v2)) ** 2)
    got = frechet_distance(mu1, np.diag(v1), mu2, np.diag(v2))
    assert got == pytest.approx(expected, rel=1e-10)


def test_frechet_commuting_closed_form():
    # S1 = Q diag(a) Q^T and S2 = Q diag(b) Q^T commute: the trace term is sum (sqrt a - sqrt b)^2
    rng = np.random.default_rng(1)
    q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    a, b = rng.uniform(0.2, 2, 6), rng.uniform(0.2, 2, 6)
    s1, s2 = q @ np.diag(a) @ q.T, q @ np.diag(b) @ q.T
    mu = rng.standard_normal(6)
    expected = np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(mu, s1, mu, s2) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_frechet_matches_scipy_sqrtm_and_is_symmetric(seed):
    rng = np.random.default_rng(seed)
    d = 16
    s1, s2 = _random_psd(rng, d), _random_psd(rng, d, rank=d // 2)  # s2 singular on purpose
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    direct = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * covmean)
    ours = frechet_distance(mu1, s1, mu2, s2)
    assert ours == pytest.approx(direct, rel=1e-6, abs=1e-8)
    assert frechet_distance(mu2, s2, mu1, s1) == pytest.approx(ours, rel=1e-7)


def test_frechet_zero_for_identical_and_positive_otherwise():
    rng = np.random.default_rng(2)
    s, mu = _random_psd(rng, 10), rng.standard_normal(10)
    assert abs(frechet_distance(mu, s, mu, s)) < 1e-9
    assert frechet_distance(mu, s, mu + 0.5, s) == pytest.approx(10 * 0.25, rel=1e-9)
    assert frechet_distance(mu, s, mu, 2 * s) > 0.01


def test_frechet_accepts_torch_and_rejects_bad_shapes():
    mu, s = torch.zeros(3), torch.eye(3)
    assert frechet_distance(mu, s, mu + 1, s) == pytest.approx(3.0)
    with pytest.raises(UsageError, match="sigma2"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(3), np.eye(4))
    with pytest.raises(UsageError, match="NaN"):
        frechet_distance(np.zeros(3), np.eye(3), np.full(3, np.nan), np.eye(3))
    with pytest.raises(UsageError, match="mu1 of shape"):
        frechet_distance(np.zeros((3, 1)), np.eye(3), np.zeros(3), np.eye(3))
    with pytest.raises(UsageError, match="N >= 2"):
        feature_statistics(np.zeros((1, 4)))
    with pytest.raises(UsageError, match="array of numbers"):
        feature_statistics("features.npy")


@pytest.mark.parametrize("n, expected", [(100, 21.6), (500, 4.4)])
def test_same_gaussian_floor_matches_field_notes(n, expected):
    # Two samples of the same 64-d standard Gaussian: the estimator's bias alone.
    rng = np.random.default_rng(0)
    values = [
        frechet_from_features(rng.standard_normal((n, 64)), rng.standard_normal((n, 64)))
        for _ in range(5)
    ]
    assert np.mean(values) == pytest.approx(expected, rel=0.15)


# --- motion statistics -----------------------------------------------------------------------


def _real(n: int = 64, *, seed: int = 0, size: int = 64, digits: int = 2):
    from vidgen_edu.data import MovingDigits

    return MovingDigits(size=size, frames=16, digits=digits).sample(n, seed=seed)


def test_frame_change_formula_on_tiny_tensor():
    from vidgen_edu.metrics.motion import frame_change

    x = torch.zeros(1, 1, 3, 2, 2)
    x[:, :, 1] = 0.5  # frame 0 -> 1 changes by 0.5 everywhere, 1 -> 2 by 0.5 again
    assert frame_change(x) == pytest.approx(0.5)
    x[:, :, 2] = 0.5  # now only the first step changes: mean over 2 steps is 0.25
    assert frame_change(x) == pytest.approx(0.25)
    with pytest.raises(VideoError, match="at least 2 frames"):
        frame_change(torch.zeros(1, 1, 1, 2, 2))


def test_content_distance_formula_on_tiny_tensor():
    from vidgen_edu.metrics.motion import content_distance

    f = torch.tensor([[[0.0, 0.0], [3.0, 4.0], [3.0, 4.0]]])  # (B=1, T=3, D=2): steps of 5 and 0
    assert content_distance(f) == pytest.approx(2.5)
    with pytest.raises(UsageError, match=r"\(B, T, D\) with T >= 2, got \(1, 1, 2\)"):
        content_distance(f[:, :1])
    with pytest.raises(UsageError, match="got list"):
        content_distance([[0.0, 1.0]])


def test_static_and_shuffled_videos_are_caught():
    from vidgen_edu.metrics.motion import acd, frame_change

    real = _real().video  # the course's data: 64 px, two 28 px digits overlap their last position
    static = real[:, :, :1].expand_as(real).contiguous()  # (B, C, T, H, W): frame 0 repeated
    order = torch.randperm(real.shape[2], generator=torch.Generator().manual_seed(0))
    shuffled = real[:, :, order]  # frames out of order: the digit jumps around
    digits_swapped = torch.cat([real[:, :, :8], real.roll(1, dims=0)[:, :, 8:]], dim=2)
    assert frame_change(static) < 1e-7 and acd(static) < 1e-6
    assert frame_change(shuffled) > 1.5 * frame_change(real)  # measured 1.76x
    assert acd(digits_swapped) > acd(real)  # content changes identity mid-clip


# --- the FVD proxy and evaluate() --------------------------------------------------------------

SPEC = {"name": "moving-digits", "size": 32, "frames": 16, "digits": 1}


def _real_sampler(seed: int = 10_000):
    """A "generator" that returns fresh real clips (seeds never used by evaluate's real samples)."""
    from vidgen_edu.data import make_dataset

    dataset = make_dataset("moving-digits", size=32, frames=16, digits=1)
    seeds = iter(range(seed, seed + 1000))
    return lambda n, labels: dataset.sample(n, seed=next(seeds)).video


def test_evaluate_real_data_scores_near_floor_and_noise_far_above():
    from vidgen_edu.metrics import evaluate

    real = evaluate(_real_sampler(), n=96, data_spec=SPEC, seed=0, batch_size=48)
    noise = evaluate(lambda n, labels: torch.rand(n, 1, 16, 32, 32) * 2 - 1, n=96, data_spec=SPEC)
    for key in ("fvd_proxy", "real_floor", "acd", "acd_real", "motion", "motion_real"):
        assert np.isfinite(real[key]) and real[key] >= 0, key
    assert real["n"] == 96 and "class_accuracy" not in real
    assert real["fvd_proxy"] < 2 * real["real_floor"]
    assert noise["fvd_proxy"] > 10 * noise["real_floor"]
    assert real["motion"] == pytest.approx(real["motion_real"], rel=0.2)
    assert noise["real_floor"] == pytest.approx(real["real_floor"])  # same real samples, same seed


def test_evaluate_catches_a_static_generator():
    from vidgen_edu.metrics import evaluate

    sample = _real_sampler()

    def frozen(n, labels):
        video = sample(n, labels)
        return video[:, :, :1].expand_as(video)  # (B, C, T, H, W): the first frame held

    result = evaluate(frozen, n=64, data_spec=SPEC)
    assert result["motion"] < 1e-7 < result["motion_real"]
    assert result["acd"] < 1e-6 < result["acd_real"]


def test_evaluate_class_accuracy_of_a_conditional_generator():
    from vidgen_edu.data import make_dataset
    from vidgen_edu.metrics import evaluate

    pool = make_dataset("moving-digits", size=32, frames=16, digits=1).sample(600, seed=20_000)

    def obeys(n, labels):  # picks a real clip of each requested class
        index = [int(np.flatnonzero(pool.labels == int(c))[i % 20]) for i, c in enumerate(labels)]
        return pool.video[index]

    good = evaluate(obeys, n=48, data_spec=SPEC, num_classes=10)
    bad = evaluate(
        lambda n, labels: obeys(n, (labels + 1) % 10), n=48, data_spec=SPEC, num_classes=10
    )
    assert good["class_accuracy"] >= 0.9 and good["class_accuracy_real"] >= 0.9
    assert bad["class_accuracy"] <= 0.2


def test_evaluate_accepts_objects_with_sample_and_rejects_bad_output():
    from vidgen_edu.metrics import evaluate
    from vidgen_edu.metrics.evaluate import as_sample_fn
    from vidgen_edu.video.errors import VideoError

    class Noise:
        def sample(self, n, *, labels=None, generator=None):
            return torch.rand(n, 1, 16, 32, 32, generator=generator) * 2 - 1

    a = as_sample_fn(Noise(), seed=3)(4, None)
    b = as_sample_fn(Noise(), seed=3)(4, None)
    assert torch.equal(a, b)  # seeded through the generator argument
    with pytest.raises(VideoError, match="expected a tensor"):
        evaluate(lambda n, labels: torch.zeros(n, 16, 32, 32), n=8, data_spec=SPEC)
    with pytest.raises(UsageError, match="n=1: expected 2"):
        evaluate(Noise(), n=1, data_spec=SPEC)


def test_samplers_that_take_a_seed_get_a_new_one_per_call():
    from vidgen_edu.data import make_dataset
    from vidgen_edu.metrics.evaluate import generate, seeded

    dataset = make_dataset("moving-digits", size=32, frames=16, digits=1)  # .sample(n, *, seed=)
    video = generate(seeded(dataset.sample, seed=5), 8, batch_size=4)
    assert video.shape == (8, 1, 16, 32, 32)
    assert torch.equal(video[:4], dataset.sample(4, seed=5).video)
    assert torch.equal(video[4:], dataset.sample(4, seed=6).video)


def test_evaluate_on_colour_data_without_digits():
    from vidgen_edu.metrics import evaluate

    spec = {"name": "bouncing-shapes", "size": 32, "frames": 16}
    noise = evaluate(lambda n, labels: torch.rand(n, 3, 16, 32, 32) * 2 - 1, n=32, data_spec=spec)
    assert {k: noise["data_spec"][k] for k in spec} == spec
    assert noise["fvd_proxy"] > noise["real_floor"]
