"""The shipped private model: its budget is in its manifest entry, and it loads and samples."""

from __future__ import annotations

import json

import torch

from vidgen_edu.assets import manifest_entry
from vidgen_edu.privacy import accounting
from vidgen_edu.training import load_generator


def test_the_shipped_private_model_spent_at_most_epsilon_10():
    entry = manifest_entry("pretrained_private.pt")
    p = entry["privacy"]
    assert p["epsilon"] <= 10 and p["delta"] == 1e-5 < 1 / p["dataset_size"]
    assert entry["config"]["privacy"]["target_epsilon"] <= 10
    # the record is consistent with an independent accountant
    again = accounting.epsilon_dp_accounting(
        p["noise_multiplier"], p["sample_rate"], p["steps"], p["delta"], pld=False
    )
    assert abs(again - p["epsilon_rdp"]) <= 0.02 * again
    for key in ("fvd_proxy", "real_floor", "acd", "class_accuracy"):
        assert key in entry["metrics"]
    json.dumps(entry)  # the manifest stays plain JSON


def test_the_shipped_private_model_samples_clips():
    generator, cfg, data = load_generator("pretrained-private")
    video = generator.sample(
        3, labels=torch.tensor([0, 1, 2]), generator=torch.Generator().manual_seed(0)
    )
    assert video.shape == (3, 1, cfg.frames, cfg.size, cfg.size)
    assert data.clips == 1000 and cfg.private
