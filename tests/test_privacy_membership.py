"""Membership inference: the statistics against hand-computed cases and sklearn, the attacks on
tiny real experiments (an overfitted discriminator, a generator that memorised its data)."""

from __future__ import annotations

import doctest
import json
import math

import numpy as np
import pytest
import torch
from scipy import stats
from sklearn.metrics import roc_auc_score
from tiny import TINY_MODEL
from torch import nn

from vidgen_edu.data.config import DataConfig
from vidgen_edu.errors import UsageError
from vidgen_edu.models import ModelConfig, build_model
from vidgen_edu.privacy import membership as mi
from vidgen_edu.threads import one_thread


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny networks: a second thread only spins on a shared 2-core machine."""
    with one_thread():
        yield


def normal_scores(seed: int, shift: float, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Members ~ N(shift, 1), non-members ~ N(0, 1)."""
    rng = np.random.default_rng(seed)
    return rng.normal(shift, 1, n), rng.normal(0, 1, n)


def pairwise_auc(m, n) -> float:
    """The definition: mean over all pairs of [m > n] + 1/2 [m = n]."""
    m, n = np.asarray(m)[:, None], np.asarray(n)[None, :]
    return float(((m > n) + 0.5 * (m == n)).mean())


def test_docstring_examples_run():
    result = doctest.testmod(mi)
    assert result.attempted > 0 and result.failed == 0


# -- the AUC and its interval -------------------------------------------------------------------


def test_auc_by_hand():
    # pairs (3,0) (3,2) (1,0) (2,0) win, (1,2) loses, (2,2) ties: 4.5 of 6
    assert mi.roc_auc([3, 1, 2], [0, 2]) == 0.75
    assert mi.roc_auc([1, 2], [3, 4]) == 0.0
    assert mi.roc_auc([5, 5], [5]) == 0.5


@pytest.mark.parametrize("seed", range(5))
def test_auc_matches_the_definition_and_sklearn_with_ties(seed):
    rng = np.random.default_rng(seed)
    m, n = rng.integers(0, 6, 37), rng.integers(0, 5, 23)  # few values: many ties
    auc = mi.roc_auc(m, n)
    assert auc == pytest.approx(pairwise_auc(m, n), abs=1e-12)
    labels = np.r_[np.ones(len(m)), np.zeros(len(n))]
    assert auc == pytest.approx(roc_auc_score(labels, np.r_[m, n]), abs=1e-12)


def test_separated_scores_give_one_and_identical_distributions_one_half():
    m, n = normal_scores(0, shift=0, n=2000)
    assert mi.roc_auc(m + 100, n) == 1.0
    assert abs(mi.roc_auc(m, n) - 0.5) < 0.03
    lo, hi = mi.roc_auc_ci(m, n)
    assert lo < 0.5 < hi


def test_delong_variance_matches_its_definition():
    rng = np.random.default_rng(1)
    m, n = rng.integers(0, 8, 15), rng.integers(0, 6, 11)
    psi = (m[:, None] > n[None, :]) + 0.5 * (m[:, None] == n[None, :])  # (m, n)
    v10, v01 = psi.mean(1), psi.mean(0)
    se = math.sqrt(v10.var(ddof=1) / len(m) + v01.var(ddof=1) / len(n))
    lo, hi = mi.roc_auc_ci(m, n, confidence=0.9)
    z = stats.norm.ppf(0.95)
    assert (lo, hi) == pytest.approx((psi.mean() - z * se, psi.mean() + z * se), abs=1e-12)


def test_auc_interval_covers_the_true_auc():
    shift = 1.0
    true_auc = stats.norm.cdf(shift / math.sqrt(2))  # P(X - Y > 0), X - Y ~ N(shift, 2)
    covered = []
    for seed in range(300):
        lo, hi = mi.roc_auc_ci(*normal_scores(seed, shift, n=60))
        covered.append(lo <= true_auc <= hi)
    assert 0.9 <= np.mean(covered) <= 0.99


# -- TPR at a fixed FPR -------------------------------------------------------------------------


def test_tpr_at_fpr_by_hand():
    nonmembers = np.arange(100.0)  # 0..99: at 1% FPR one of them (99) may be accused
    point = mi.roc_point([99.5, 98.5, 50], nonmembers, fpr=0.01)
    assert (point.threshold, point.false_positives, point.true_positives) == (98, 1, 2)
    assert mi.tpr_at_fpr([99.5, 98.5, 50], nonmembers) == pytest.approx(2 / 3)
    assert mi.roc_point([0], [1, 2, 3], fpr=1.0).tpr == 1.0  # everything accused


def test_ties_at_the_threshold_accuse_nobody():
    point = mi.roc_point([5, 5, 6], np.full(100, 5.0), fpr=0.01)
    assert (point.threshold, point.fpr, point.tpr) == (5, 0, 1 / 3)


def test_fewer_than_one_over_fpr_nonmembers_reach_fpr_zero():
    nonmembers = np.arange(50.0)  # 1% of 50 is half a clip: none may be accused
    point = mi.roc_point([49.5, 48.5], nonmembers, fpr=0.01)
    assert point.fpr == 0 and point.tpr == 0.5 and point.threshold == 49


@pytest.mark.parametrize("seed", range(4))
def test_tpr_at_fpr_is_the_best_threshold_within_the_fpr(seed):
    rng = np.random.default_rng(seed)
    m, n = rng.integers(0, 30, 80), rng.integers(0, 25, 150)
    for fpr in (0.0, 0.01, 0.05, 0.29):
        got = mi.roc_point(m, n, fpr=fpr)
        assert got.fpr <= fpr
        allowed = [t for t in np.r_[n, -np.inf] if (n > t).mean() <= fpr]
        assert got.tpr == max((m > t).mean() for t in allowed)


# -- Clopper-Pearson and the epsilon bound ------------------------------------------------------


def test_clopper_pearson_closed_forms():
    # k = 0: (1 - p)^n = 1 - c gives the upper bound; k = n: p^n = 1 - c the lower one
    assert mi.clopper_pearson(0, 100, confidence=0.975) == pytest.approx(
        (0, 1 - 0.025 ** (1 / 100))
    )
    assert mi.clopper_pearson(20, 20, confidence=0.9) == pytest.approx((0.1 ** (1 / 20), 1))
    lo, hi = mi.clopper_pearson(7, 40, confidence=0.95)
    assert lo < 7 / 40 < hi


def test_fpr_bound_holds_although_the_nonmembers_chose_the_threshold():
    misses = 0
    for seed in range(400):
        nonmembers = np.random.default_rng(seed).normal(size=250)
        point = mi.roc_point([0.0], nonmembers, fpr=0.01)
        true_fpr = stats.norm.sf(point.threshold)
        _, upper = mi.clopper_pearson(point.false_positives, 250, confidence=0.9)
        misses += true_fpr > upper
    assert 0.05 <= misses / 400 <= 0.15  # exact: 10%


def test_epsilon_by_hand():
    point, lower = mi.epsilon_lower_bound(0.5, 0.01, 0.0, 1000, 1000)
    assert point == pytest.approx(math.log(50))
    both = 1 - 0.05 / 2  # each bound at 97.5%: together they hold with probability >= 95%
    tpr_low, fpr_high = stats.beta.ppf(1 - both, 500, 501), stats.beta.ppf(both, 11, 990)
    assert lower == pytest.approx(math.log(tpr_low / fpr_high)) and 0 < lower < point
    assert mi.epsilon_lower_bound(0.5, 0.0, 0.0, 100, 100)[0] == math.inf
    assert mi.epsilon_lower_bound(0.01, 0.02, 0.0, 100, 100) == (0.0, 0.0)  # clamped
    assert mi.epsilon_lower_bound(0.2, 0.01, 0.25, 100, 100) == (0.0, 0.0)  # TPR <= delta
    with pytest.raises(UsageError, match="not a count"):
        mi.epsilon_lower_bound(0.333, 0.01, 0.0, 100, 100)


@pytest.mark.parametrize("seed", range(5))
def test_epsilon_bound_is_zero_for_identical_distributions(seed):
    result = mi.audit(*normal_scores(seed, shift=0, n=500), attack="x", delta=1e-5)
    assert result.epsilon_lower_bound_ci == 0


def test_epsilon_bound_is_positive_for_separated_scores():
    result = mi.audit(*normal_scores(0, shift=4, n=1000), attack="x", delta=1e-5)
    assert result.epsilon_lower_bound_ci > 2
    assert result.epsilon_lower_bound > result.epsilon_lower_bound_ci


def test_audit_result_is_json_ready_with_its_field_names():
    result = mi.audit([3.0, 2.0, 1.0], [0.0, -1.0, 1.5], attack="logan", delta=1e-5)
    out = result.to_dict()
    assert set(out) == {
        "attack",
        "auc",
        "auc_ci",
        "tpr_at_1pct_fpr",
        "fpr",
        "epsilon_lower_bound",
        "epsilon_lower_bound_ci",
        "delta",
        "confidence",
        "n_members",
        "n_nonmembers",
    }
    again = json.loads(json.dumps(out, allow_nan=False))
    assert again["auc"] == pytest.approx(8 / 9) and again["n_members"] == 3
    assert again["epsilon_lower_bound"] is None  # no false positive: unbounded point estimate
    assert again["tpr_at_1pct_fpr"] == pytest.approx(2 / 3) and again["fpr"] == 0


def test_bad_scores_are_refused():
    with pytest.raises(UsageError, match="NaN"):
        mi.roc_auc([1.0, float("nan")], [0.0])
    with pytest.raises(UsageError, match="1-D"):
        mi.roc_auc(np.zeros((2, 2)), [0.0])


# -- the attacks --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    """32 members, a pool of fresh clips to train against, 64 fresh non-members."""
    data = DataConfig(size=16, frames=4, digits=1).make(seed=0)
    members = data.sample(32, seed=1)
    return data, members, data.sample(512, seed=2).video, data.sample(64, seed=3)


class TinyD(nn.Module):
    """Two strided convolutions on the frames stacked as channels, then a linear logit."""

    def __init__(self, frames: int = 4):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(frames, 32, 4, 2, 1),  # 16 -> 8
            nn.LeakyReLU(0.2),
            nn.Conv2d(32, 64, 4, 2, 1),  # 8 -> 4
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(64 * 4 * 4, 1),
        )

    def forward(self, video):
        return self.net(video.flatten(1, 2)).squeeze(1)  # (B, C*T, H, W) -> (B,)


def test_logan_finds_the_members_of_an_overfitted_discriminator(digits):
    _, members, pool, fresh = digits
    torch.manual_seed(0)
    d, g = TinyD(), torch.Generator().manual_seed(0)
    opt = torch.optim.Adam(d.parameters(), lr=1e-3)
    target = torch.cat([torch.ones(32), torch.zeros(32)])
    for _ in range(200):  # members are "real", fresh clips "fake": D memorises the 32
        batch = torch.cat([members.video, pool[torch.randint(len(pool), (32,), generator=g)]])
        loss = nn.functional.binary_cross_entropy_with_logits(d(batch), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
    result = mi.audit(
        mi.logan_scores(d, members.video), mi.logan_scores(d, fresh.video), attack="logan", delta=0
    )
    assert result.auc > 0.9 and result.auc_ci[0] > 0.75
    assert d.training  # the mode is restored


def test_an_untrained_discriminator_gives_no_membership_signal(digits):
    _, members, _, fresh = digits
    torch.manual_seed(0)
    d = TinyD()
    auc = mi.roc_auc(mi.logan_scores(d, members.video), mi.logan_scores(d, fresh.video))
    assert abs(auc - 0.5) < 0.2


def test_logan_on_a_conditional_mocogan_averages_every_frame_and_window():
    cfg = ModelConfig(name="mocogan", num_classes=10, d_image_frames=2, **TINY_MODEL)
    model = build_model(cfg)  # 8 frames; the video D sees windows of 4
    clips = DataConfig(size=16, frames=8, digits=1).make(seed=0).sample(5, seed=4)
    got = mi.logan_scores(model, clips.video, clips.labels, batch_size=2)
    model.eval()
    with torch.no_grad():
        image_d, video_d = model.discriminators["image"], model.discriminators["video"]
        frames = [image_d(clips.video[:, :, t], clips.labels) for t in range(8)]
        windows = [video_d(clips.video[:, :, s : s + 4], clips.labels) for s in range(5)]
        want = torch.stack(frames).mean(0) + torch.stack(windows).mean(0)
    assert got.shape == (5,) and torch.allclose(got, want, atol=1e-5)
    model.train()
    assert torch.equal(mi.logan_scores(model, clips.video, clips.labels), got)  # no random draw
    assert model.training
    with pytest.raises(UsageError, match="labels"):
        mi.logan_scores(model, clips.video)


def test_logan_on_an_unconditional_vgan_ignores_labels():
    model = build_model(ModelConfig(name="vgan", **TINY_MODEL))
    clips = DataConfig(size=16, frames=8, digits=1).make(seed=0).sample(3, seed=4)
    with_labels = mi.logan_scores(model, clips.video, clips.labels)
    assert torch.equal(with_labels, mi.logan_scores(model, clips.video))


class Memorised:
    """A "generator" that replays its training clips with a little noise."""

    def __init__(self, clips: torch.Tensor, noise: float):
        self.clips, self.noise = clips, noise

    def sample(self, n, labels=None, generator=None):
        pick = self.clips[torch.randint(len(self.clips), (n,), generator=generator)]
        return pick + self.noise * torch.randn(pick.shape, generator=generator)


class Fresh:
    """A "generator" that draws new clips from the data distribution: it memorised nothing."""

    def __init__(self, data):
        self.data, self.asked = data, []

    def sample(self, n, labels=None, generator=None):
        self.asked.append(None if labels is None else labels.unique().tolist())
        seed = int(torch.randint(2**31, (1,), generator=generator))
        return self.data.sample(n, seed=seed).video


def test_gan_leaks_catches_a_generator_that_memorised(digits):
    _, members, _, fresh = digits
    generator = Memorised(members.video, noise=0.05)
    scores = [mi.gan_leaks_scores(generator, c.video, n_generated=256) for c in (members, fresh)]
    assert mi.roc_auc(*scores) > 0.99


def test_gan_leaks_sees_nothing_in_a_generator_of_fresh_clips(digits):
    data, members, _, fresh = digits
    generator = Fresh(data)
    scores = [mi.gan_leaks_scores(generator, c.video, n_generated=256) for c in (members, fresh)]
    assert abs(mi.roc_auc(*scores) - 0.5) < 0.15


def test_gan_leaks_samples_each_class_for_its_own_clips(digits):
    data, members, _, _ = digits
    generator = Fresh(data)
    scores = mi.gan_leaks_scores(
        generator, members.video, members.labels, n_generated=40, batch_size=16
    )
    classes = sorted(members.labels.unique().tolist())
    assert generator.asked == [[c] for c in classes for _ in range(3)]  # 16 + 16 + 8 per class
    assert scores.shape == (32,) and (scores <= 0).all()


def test_gan_leaks_distance_is_the_nearest_generated_clip():
    gen = torch.Generator().manual_seed(0)
    fake = torch.randn(10, 1, 2, 4, 4, generator=gen)
    clips = fake[[3, 7]] + 0.1
    scores = mi.gan_leaks_scores(Memorised(fake, noise=0.0), clips, n_generated=200)
    want = -torch.cdist(clips.flatten(1), fake.flatten(1)).min(1).values
    assert torch.allclose(scores, want, atol=1e-5)


def test_gan_leaks_runs_a_course_generator_and_refuses_other_shapes():
    model = build_model(ModelConfig(name="mocogan", **TINY_MODEL))
    clips = DataConfig(size=16, frames=8, digits=1).make(seed=0).sample(3, seed=4).video
    first = mi.gan_leaks_scores(model.generator, clips, n_generated=8, seed=1)
    assert torch.equal(first, mi.gan_leaks_scores(model.generator, clips, n_generated=8, seed=1))
    with pytest.raises(UsageError, match="shape"):
        mi.gan_leaks_scores(model.generator, clips[:, :, :4], n_generated=4)
    with pytest.raises(UsageError, match="B, C, T, H, W"):
        mi.gan_leaks_scores(model.generator, clips[0], n_generated=4)
