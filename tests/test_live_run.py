"""Notebook 04's live run: its alarms catch the failures they name, and its preset trains."""

import math

import pytest
import torch

from vidgen_edu.data.config import DataConfig
from vidgen_edu.metrics.alarms import CHANCE_FACTOR, STATIC_RATIO, sample_alarms
from vidgen_edu.training import RunConfig, load_generator, train


@pytest.fixture(scope="module")
def real():
    """40 real one-digit clips at 32x32x16 (the classifier's own size) and their labels."""
    clips = DataConfig(size=32, frames=16, digits=1).make(seed=3).sample(40, seed=4)
    return clips.video, clips.labels.long()


def test_real_clips_raise_no_alarm(real):
    video, labels = real
    report = sample_alarms(video, video.flip(0), labels=labels)
    assert not report["static_alarm"] and not report["class_alarm"]
    assert report["class_accuracy"] > 0.8 and report["chance"] == pytest.approx(0.1)


def test_a_frozen_clip_raises_the_static_alarm(real):
    video, labels = real
    frozen = video[:, :, :1].expand_as(video)  # (B, C, T, H, W): the first frame held
    report = sample_alarms(frozen, video, labels=labels)
    assert report["frame_change"] == 0.0 and report["static_alarm"]


def test_the_static_alarm_sits_at_its_ratio(real):
    video, _ = real
    # a clip whose motion is scaled down: frame change scales with it exactly
    still = video[:, :, :1]  # (B, C, 1, H, W)
    for scale, alarmed in ((STATIC_RATIO * 0.9, True), (STATIC_RATIO * 1.1, False)):
        damped = still + scale * (video - still)  # (B, C, T, H, W)
        assert sample_alarms(damped, video)["static_alarm"] is alarmed, scale


def test_clips_of_the_wrong_class_raise_the_class_alarm(real):
    video, labels = real
    report = sample_alarms(video, video, labels=(labels + 1) % 10)  # every request wrong
    assert report["class_accuracy"] < CHANCE_FACTOR * report["chance"] and report["class_alarm"]
    assert "class_accuracy" not in sample_alarms(video, video)  # unconditional: no accuracy


def test_the_live_preset_is_small_and_trains(tmp_path):
    run = RunConfig.from_preset("live", {"train.steps": 3, "train.log_every": 1})
    assert (run.data.size, run.data.frames, run.data.digits) == (16, 8, 1)
    assert run.model.num_classes == 10  # "generate a 3": the classifier can check it
    out = train(tmp_path / "live", run, progress=False, log=lambda line: None)
    assert out["step"] == 3 and all(math.isfinite(v) for v in out["losses"].values())
    g = load_generator(tmp_path / "live")[0]
    with torch.no_grad():
        clips = g.sample(4, labels=torch.arange(4))
    assert clips.shape == (4, 1, 8, 16, 16)
