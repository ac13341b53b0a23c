"""Tests of vidgen_edu.privacy.deid: blur and pixelate against their formulas, regions, leakage."""

from __future__ import annotations

import math

import pytest
import torch

from vidgen_edu.errors import UsageError, VideoError
from vidgen_edu.privacy.deid import (
    adapt_classifier,
    blur,
    box_mask,
    gaussian_kernel,
    identity_leak,
    obfuscate,
    pixelate,
)


def _video(b=2, c=3, t=4, h=20, w=24, seed=0) -> torch.Tensor:
    """Random ``float32 (B, C, T, H, W)`` in [-1, 1]."""
    return torch.rand(b, c, t, h, w, generator=torch.Generator().manual_seed(seed)) * 2 - 1


# --- blur ------------------------------------------------------------------------------------


def test_blur_of_an_impulse_is_the_sampled_gaussian():
    sigma, y0, x0 = 1.5, 10, 12
    video = torch.zeros(1, 1, 1, 21, 25)
    video[..., y0, x0] = 1.0
    out = blur(video, sigma)[0, 0, 0]
    radius = math.ceil(3 * sigma)
    z = sum(math.exp(-(d**2) / (2 * sigma**2)) for d in range(-radius, radius + 1)) ** 2
    for dy, dx in [(0, 0), (1, 0), (2, -3), (-4, 4)]:
        expected = math.exp(-(dx**2 + dy**2) / (2 * sigma**2)) / z
        assert out[y0 + dy, x0 + dx].item() == pytest.approx(expected, rel=1e-5)
    assert out[y0 + radius + 1, x0].item() == 0.0  # the kernel stops at 3 sigma
    assert out.sum().item() == pytest.approx(1.0, abs=1e-6)  # mass is kept away from borders


def test_blur_keeps_a_constant_frame_and_sigma_zero_changes_nothing():
    flat = torch.full((1, 3, 2, 9, 7), 0.25)
    assert torch.allclose(blur(flat, 5.0), flat)  # replicate borders: no dark edges
    video = _video()
    assert torch.equal(blur(video, 0), video)
    assert gaussian_kernel(2.0).sum().item() == pytest.approx(1.0)


def test_blur_does_not_mix_frames_or_channels():
    video = torch.zeros(1, 2, 3, 8, 8)
    video[0, 1, 2, 4, 4] = 1.0  # one pixel in channel 1, frame 2
    out = blur(video, 1.0)
    assert out[0, 0].abs().sum() == 0 and out[0, 1, :2].abs().sum() == 0
    assert out[0, 1, 2].sum() > 0.5


# --- pixelate --------------------------------------------------------------------------------


def test_pixelate_replaces_each_square_by_its_mean_including_cut_edges():
    frame = torch.arange(25, dtype=torch.float32).view(5, 5) / 25  # 5x5, blocks of 2
    out = pixelate(frame.view(1, 1, 1, 5, 5), 2)[0, 0, 0]
    assert out[0, 0] == out[1, 1] == pytest.approx(frame[:2, :2].mean().item())
    assert out[0, 4] == out[1, 4] == pytest.approx(frame[:2, 4].mean().item())  # cut: 2x1
    assert out[4, 4] == pytest.approx(frame[4, 4].item())  # the 1x1 corner square
    assert torch.equal(pixelate(frame.view(1, 1, 1, 5, 5), 1), frame.view(1, 1, 1, 5, 5))


def test_pixelate_leaves_one_value_per_square():
    out = pixelate(_video(h=16, w=16), 4)
    squares = out.unfold(3, 4, 4).unfold(4, 4, 4)  # (B, C, T, 4, 4, 4, 4)
    assert torch.allclose(squares.amax((-1, -2)), squares.amin((-1, -2)))


# --- regions ---------------------------------------------------------------------------------


def test_box_mask_one_box_or_one_per_frame():
    mask = box_mask([(0, 0, 2, 2), (1, 1, 3, 3)], frames=2, height=3, width=3)
    assert mask.shape == (2, 3, 3) and mask.dtype == torch.bool
    assert mask[0].sum() == 4 and mask[0, 0, 0] and not mask[0, 2, 2]
    assert mask[1].sum() == 4 and mask[1, 2, 2] and not mask[1, 0, 0]
    with pytest.raises(UsageError, match="one per frame"):
        box_mask([(0, 0, 1, 1)] * 3, frames=2, height=3, width=3)


@pytest.mark.parametrize("method, strength", [("blur", 2.0), ("pixelate", 4)])
def test_only_the_region_changes(method, strength):
    video = _video()
    box = (3, 5, 12, 15)
    out = obfuscate(video, method, strength, region=box)
    inside = box_mask(box, frames=4, height=20, width=24).expand_as(video)
    assert torch.equal(out[~inside], video[~inside])  # bit for bit outside
    assert (out[inside] - video[inside]).abs().mean() > 0.1


def test_a_mask_per_frame_and_per_clip():
    video = _video(b=2, t=3)
    mask = torch.zeros(2, 3, 20, 24, dtype=torch.bool)
    mask[1, 2, :10, :10] = True  # only clip 1, frame 2
    out = blur(video, 2.0, region=mask)
    changed = (out != video).any(dim=1)  # (B, T, H, W)
    assert changed[1, 2, :10, :10].all() and not changed[~mask].any()


def test_bad_arguments_say_what_was_expected():
    video = _video()
    with pytest.raises(UsageError, match="sigma"):
        blur(video, -1)
    with pytest.raises(UsageError, match="block"):
        pixelate(video, 2.5)
    with pytest.raises(UsageError, match="mask"):
        blur(video, 1.0, region=torch.ones(5, 20, 24, dtype=torch.bool))  # 5 frames, not 4
    with pytest.raises(UsageError, match="mask"):
        blur(video, 1.0, region=torch.ones(3, 4, 20, 24, dtype=torch.bool))  # 3 clips, not 2
    with pytest.raises(VideoError, match=r"\(B, C, T, H, W\)"):
        blur(video[0], 1.0)
    with pytest.raises(UsageError, match="unknown de-identification method"):
        obfuscate(video, "swirl", 1.0)


# --- what the classifier still reads ---------------------------------------------------------


def test_identity_leak_falls_from_clean_to_chance():
    table = identity_leak("blur", [0, 1, 8], n=200)
    assert list(table) == [0, 1, 8]
    assert table[0] > 0.85  # the shipped classifier on clean held-out clips
    assert table[0] > table[1] > table[8]
    assert table[8] < 0.25  # chance is 0.1


def test_an_adapted_attacker_reads_what_the_shipped_classifier_cannot():
    # McPherson et al. 2016: train on obfuscated images; a few dozen steps already recover a lot
    naive = identity_leak("blur", [2.0], n=200)[2.0]
    adapted = identity_leak("blur", [2.0], n=200, adapt_steps=25)[2.0]
    assert adapted > naive + 0.2


def test_adapting_does_not_touch_the_shipped_network():
    from vidgen_edu.metrics.features import shipped_feature_net

    before = {k: v.clone() for k, v in shipped_feature_net().state_dict().items()}
    adapt_classifier("pixelate", 4, steps=2, batch_size=4)
    after = shipped_feature_net().state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
