"""The shipped flow model: it matches its manifest, stayed in the GAN's budget, obeys the class."""

import numpy as np
import torch

from vidgen_edu import cli, metrics
from vidgen_edu.assets import ASSETS, manifest_entry, sha256_of
from vidgen_edu.training import load_generator
from vidgen_edu.training.checkpoint import ALIASES

NAME = ALIASES["pretrained-flow"]
GAN_BUDGET_S = 1828  # the shipped GAN's training time (manifest: 1,827.6 s on one thread)


def test_shipped_flow_matches_its_manifest_and_budget():
    entry = manifest_entry(NAME)
    assert sha256_of(ASSETS / NAME) == entry["sha256"]
    assert (ASSETS / NAME).stat().st_size == entry["bytes"] <= 10 * 1024 * 1024
    assert "--preset pretrained-flow" in entry["command"]
    assert entry["config"]["model"]["name"] == "flow"
    assert entry["config"]["model"]["num_classes"] == 10
    assert entry["train_cpu_seconds"] <= GAN_BUDGET_S
    assert entry["sampling"]["steps"] >= 1


def test_shipped_flow_draws_the_requested_digit():
    torch.set_num_threads(1)
    g, cfg, _ = load_generator("pretrained-flow")
    wanted = torch.arange(10).repeat_interleave(5)  # (50,) 5 clips per digit
    with torch.no_grad():
        clips = g.sample(len(wanted), labels=wanted, generator=torch.Generator().manual_seed(1))
    assert clips.shape == (50, 1, cfg.frames, cfg.size, cfg.size)
    accuracy = (metrics.classify(clips) == wanted).float().mean().item()
    assert accuracy >= 0.9, accuracy


def test_generate_accepts_the_alias_and_the_sampling_options(tmp_path):
    out = tmp_path / "flow.npy"
    assert (
        cli.main(
            [
                "generate",
                "--checkpoint",
                "pretrained-flow",
                "--n",
                "2",
                "--sampling-steps",
                "2",
                "--guidance",
                "1.5",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    clips = np.load(out)
    assert clips.dtype == np.uint8 and clips.shape == (2, 16, 32, 32, 1)
