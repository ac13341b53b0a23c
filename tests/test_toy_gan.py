"""The toy GAN: mode coverage measure, determinism, learning, and bad configuration."""

import numpy as np
import pytest

from vidgen_edu.errors import UsageError
from vidgen_edu.foundations import toy_gan


def test_mode_coverage_counts_modes_and_quality():
    target = toy_gan.make_target("ring8")
    on_modes = np.repeat(target.centers, 10, axis=0)  # every mode, 10 samples each
    assert toy_gan.mode_coverage(on_modes, target) == (8, 1.0)
    one_mode = np.repeat(target.centers[:1], 80, axis=0)
    assert toy_gan.mode_coverage(one_mode, target) == (1, 1.0)
    far = np.full((50, 2), 10.0)
    assert toy_gan.mode_coverage(far, target) == (0, 0.0)


def test_target_density_integrates_to_one():
    target = toy_gan.make_target("mix1d")
    grid = np.linspace(-6, 6, 4001)
    assert np.sum(toy_gan.target_density_1d(target, grid)) * (grid[1] - grid[0]) == pytest.approx(
        1.0, abs=1e-6
    )


def test_training_improves_mode_coverage_on_mix1d():
    hist = toy_gan.train_toy_gan(target="mix1d", steps=400, seed=0, record_every=200)
    assert hist.steps == [0, 200, 400]
    assert hist.modes_covered[-1] > hist.modes_covered[0]
    assert hist.high_quality[-1] > hist.high_quality[0] + 0.2
    assert len(hist.d_loss) == 400 and len(hist.d_on_grid) == 3


def test_same_seed_same_history_other_seed_differs():
    a = toy_gan.train_toy_gan(target="ring8", steps=30, seed=5, record_every=30)
    b = toy_gan.train_toy_gan(target="ring8", steps=30, seed=5, record_every=30)
    c = toy_gan.train_toy_gan(target="ring8", steps=30, seed=6, record_every=30)
    assert np.array_equal(a.samples[-1], b.samples[-1]) and a.d_loss == b.d_loss
    assert not np.array_equal(a.samples[-1], c.samples[-1])


@pytest.mark.parametrize("loss", toy_gan.LOSSES)
def test_every_loss_trains(loss):
    hist = toy_gan.train_toy_gan(target="mix1d", steps=20, loss=loss, record_every=10)
    assert np.all(np.isfinite(hist.g_loss)) and np.all(np.isfinite(hist.samples[-1]))


def test_bad_configuration_is_reported():
    with pytest.raises(UsageError, match="unknown loss"):
        toy_gan.train_toy_gan(loss="wasserstein", steps=1)
    with pytest.raises(UsageError, match="unknown toy target"):
        toy_gan.train_toy_gan(target="ring9", steps=1)
    with pytest.raises(UsageError, match="d_steps"):
        toy_gan.train_toy_gan(steps=1, d_steps=0)
    with pytest.raises(UsageError, match="1-D target"):
        toy_gan.target_density_1d(toy_gan.make_target("ring8"), np.linspace(-1, 1, 5))


def test_thread_setting_is_restored():
    import torch

    before = torch.get_num_threads()
    toy_gan.train_toy_gan(target="mix1d", steps=2, record_every=1)
    assert torch.get_num_threads() == before
