"""The dynamic texture (Doretto et al. 2003) on data whose true system is known."""

import itertools
import math

import pytest
import torch

from vidgen_edu.errors import UsageError
from vidgen_edu.pipeline import (
    DynamicTexture,
    FramePCA,
    fit_dynamics,
    spectral_radius,
    stationary_covariance,
)
from vidgen_edu.pipeline.dynamic_texture import top_components
from vidgen_edu.video.errors import VideoError


def _true_system():
    """A stable 4-state system: a damped rotation (0.95, angle 0.3) and two real modes."""
    r, theta = 0.95, 0.3
    a = torch.zeros(4, 4, dtype=torch.float64)
    a[:2, :2] = r * torch.tensor(
        [[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]],
        dtype=torch.float64,
    )
    a[2, 2], a[3, 3] = 0.8, -0.5
    b = 0.1 * torch.eye(4, dtype=torch.float64)
    return a, b


def _linear_video(a, b, *, clips=16, frames=100, seed=0, pixel_noise=1e-3):
    """Clips ``(B, 1, T, 8, 8)`` made by ``y = C x + w`` from the system ``(a, b)``."""
    gen = torch.Generator().manual_seed(seed)
    k = a.shape[0]
    c, _ = torch.linalg.qr(torch.randn(64, k, generator=gen, dtype=torch.float64))  # (64, k)
    root = torch.linalg.cholesky(stationary_covariance(a, b))
    x = torch.randn(clips, k, generator=gen, dtype=torch.float64) @ root.T
    states = []
    for _ in range(frames):
        states.append(x)
        x = x @ a.T + torch.randn(clips, k, generator=gen, dtype=torch.float64) @ b.T
    states = torch.stack(states, dim=1)  # (B, T, k)
    pixels = states @ c.T + pixel_noise * torch.randn(
        clips, frames, 64, generator=gen, dtype=torch.float64
    )
    video = pixels.reshape(clips, frames, 1, 8, 8).permute(0, 2, 1, 3, 4)  # (B, C, T, H, W)
    assert video.abs().max() < 1, "the test data must not be clipped"
    return video.float()


def _max_matched_error(estimated, true):
    """Largest |difference| under the best one-to-one matching of two eigenvalue lists."""
    est, tru = estimated.tolist(), true.tolist()
    return min(
        max(abs(e - t) for e, t in zip(perm, tru, strict=True))
        for perm in itertools.permutations(est)
    )


def test_recovers_the_eigenvalues_of_a_known_system():
    a, b = _true_system()
    model = DynamicTexture(k=4).fit(_linear_video(a, b))
    error = _max_matched_error(model.eigenvalues, torch.linalg.eigvals(a))
    assert error < 0.04, f"eigenvalues {model.eigenvalues} vs true {torch.linalg.eigvals(a)}"


def test_noise_covariance_matches_the_true_one_up_to_the_change_of_basis():
    a, b = _true_system()
    model = DynamicTexture(k=4).fit(_linear_video(a, b, pixel_noise=0.0))
    # The state basis is the true one up to an orthogonal map, so the trace and the eigenvalues of
    # Q = B B^T do not depend on it: the truth has all four equal to 0.01.
    q_eigs = torch.linalg.eigvalsh(model.b @ model.b.T)
    assert torch.allclose(q_eigs, torch.full((4,), 0.01, dtype=torch.float64), atol=0.002), q_eigs


def test_fit_dynamics_does_not_join_the_end_of_one_clip_to_the_start_of_the_next():
    a, _ = _true_system()
    starts = torch.tensor([[5.0, 0, 0, 0], [0, 0, -7.0, 3.0]], dtype=torch.float64)
    states = [starts]
    for _ in range(30):
        states.append(states[-1] @ a.T)  # noiseless: x_{t+1} = A x_t exactly
    fitted_a, fitted_b = fit_dynamics(torch.stack(states, dim=1))  # (2, 31, 4)
    assert torch.allclose(fitted_a, a, atol=1e-8)
    assert fitted_b.abs().max() < 1e-6


def test_stationary_covariance_solves_the_lyapunov_equation():
    a, b = _true_system()
    p = stationary_covariance(a, b)
    assert torch.allclose(p, a @ p @ a.T + b @ b.T, atol=1e-12)


def test_explosive_dynamics_are_scaled_to_max_radius():
    video = torch.linspace(-0.001, 0.5, 40).pow(3).reshape(1, 1, 40, 1, 1).repeat(2, 1, 1, 2, 2)
    video = video + 0.01 * torch.randn(video.shape, generator=torch.Generator().manual_seed(1))
    assert spectral_radius(DynamicTexture(k=2, max_radius=None).fit(video).a) > 1.0
    assert spectral_radius(DynamicTexture(k=2, max_radius=0.9).fit(video).a) == pytest.approx(0.9)


def _random_video(seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(4, 3, 10, 6, 6, generator=gen) * 2 - 1


@pytest.mark.parametrize("start", ["fitted", "stationary"])
def test_sample_shape_range_and_determinism(start):
    model = DynamicTexture(k=6).fit(_random_video())
    one = model.sample(5, frames=12, seed=3, start=start, observation_noise=True)
    assert one.shape == (5, 3, 12, 6, 6) and one.dtype == torch.float32
    assert one.min() >= -1 and one.max() <= 1
    assert torch.equal(one, model.sample(5, frames=12, seed=3, start=start, observation_noise=True))
    assert not torch.equal(
        one, model.sample(5, frames=12, seed=4, start=start, observation_noise=True)
    )
    assert model.sample(2, seed=0).shape[2] == 10  # default length: the training clips'


def test_explained_variance_increases_with_k_and_reaches_one():
    video = _random_video()
    shares = [DynamicTexture(k=k).fit(video).explained_variance for k in (1, 2, 5, 10, 39)]
    assert all(x < y for x, y in zip(shares, shares[1:], strict=False)), shares
    assert shares[-1] == pytest.approx(1.0)  # 40 frames, centred: rank 39


def test_pca_with_all_components_reconstructs_the_frames():
    video = _random_video()
    pca = FramePCA.fit(video, k=39)
    assert torch.allclose(pca.decode(pca.encode(video)), video, atol=1e-5)


def test_bad_input_and_misuse_raise_clear_errors():
    with pytest.raises(VideoError, match=r"\(B, C, T, H, W\)"):
        DynamicTexture(k=2).fit(torch.zeros(10, 8, 8))
    with pytest.raises(VideoError, match="at least 2 frames"):
        DynamicTexture(k=2).fit(torch.zeros(2, 1, 1, 8, 8))
    with pytest.raises(UsageError, match="k=50"):
        DynamicTexture(k=50).fit(_random_video())
    with pytest.raises(UsageError, match="not fitted"):
        DynamicTexture(k=2).sample(1)
    with pytest.raises(UsageError, match="start must be"):
        DynamicTexture(k=2).fit(_random_video()).sample(1, start="middle")
    with pytest.raises(UsageError, match="k must be a positive"):
        DynamicTexture(k=0)
    with pytest.raises(UsageError, match="k must be a positive"):
        DynamicTexture(k=2.5)
    fitted = DynamicTexture(k=2).fit(_random_video())
    with pytest.raises(UsageError, match="n=0"):
        fitted.sample(0)
    with pytest.raises(UsageError, match="frames=2.5"):
        fitted.sample(1, frames=2.5)
    pca = FramePCA.fit(_random_video(), k=3)
    with pytest.raises(UsageError, match="T >= 2 and k=3"):
        DynamicTexture(k=3).fit_states(pca, torch.zeros(2, 1, 3))


def test_numpy_ints_are_counts_too():
    import numpy as np

    video = _random_video()
    model = DynamicTexture(k=np.int64(3)).fit(video)
    assert model.sample(np.int64(2), frames=np.int64(4)).shape == (2, 3, 4, 6, 6)


@pytest.mark.parametrize("shape", [(12, 40), (40, 12)])
def test_top_components_agree_with_the_svd_for_wide_and_tall_matrices(shape):
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    s, basis = top_components(x, 5)
    _, s_ref, vh = torch.linalg.svd(x, full_matrices=False)
    assert torch.allclose(s, s_ref[:5], atol=1e-10)
    assert torch.allclose(
        (basis * vh[:5].T).sum(0).abs(), torch.ones(5, dtype=torch.float64), atol=1e-8
    )


def test_fit_states_takes_the_state_size_from_the_pca():
    video = _random_video()
    pca = FramePCA.fit(video, k=3)
    model = DynamicTexture().fit_states(pca, pca.encode(video))  # default k=16 is overridden
    assert model.k == 3 and model.sample(2, frames=4).shape == (2, 3, 4, 6, 6)
