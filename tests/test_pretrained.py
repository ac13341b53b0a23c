"""The shipped pretrained generator: it loads, it obeys the class, it moves like the data."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from vidgen_edu import metrics
from vidgen_edu.assets import AssetError, manifest_entry, sha256_of
from vidgen_edu.training import PRETRAINED, load_generator

MAX_BYTES = 10 * 1024 * 1024  # the limit on shipped weights


def test_shipped_weights_match_their_manifest_entry():
    entry = manifest_entry(PRETRAINED.name)
    assert PRETRAINED.stat().st_size == entry["bytes"] <= MAX_BYTES
    assert sha256_of(PRETRAINED) == entry["sha256"]
    assert entry["model_config"]["num_classes"] == 10 and entry["steps"] > 0
    assert "--preset pretrained" in entry["command"]


def test_generated_clips_show_the_requested_digit():
    """The shipped feature network reads the requested digit in at least 90% of clips."""
    g, cfg, _ = load_generator("pretrained")
    wanted = torch.arange(10).repeat_interleave(30)  # (300,) 30 clips per digit
    with torch.no_grad():
        clips = g.sample(len(wanted), labels=wanted, generator=torch.Generator().manual_seed(1))
    accuracy = (metrics.classify(clips) == wanted).float().mean().item()
    assert accuracy >= 0.9, accuracy


def test_motion_is_within_a_quarter_of_real_data():
    entry = manifest_entry(PRETRAINED.name)["metrics"]
    assert abs(entry["motion"] - entry["motion_real"]) <= 0.25 * entry["motion_real"]
    assert entry["fvd_proxy"] < 10 * max(entry["real_floor"], 1.0)


def test_a_corrupt_shipped_file_is_refused(tmp_path, monkeypatch):
    import vidgen_edu.assets as assets

    bad = tmp_path / PRETRAINED.name
    bad.write_bytes(PRETRAINED.read_bytes()[:-10] + b"0123456789")
    (tmp_path / "manifest.json").write_text(json.dumps({bad.name: manifest_entry(bad.name)}))
    monkeypatch.setattr(assets, "ASSETS", tmp_path)
    monkeypatch.setattr(assets, "MANIFEST", tmp_path / "manifest.json")
    with pytest.raises(AssetError, match="sha256"):
        assets.shipped(bad.name)


def test_generate_command_writes_a_playable_video_of_the_pretrained_model(tmp_path):
    from vidgen_edu.video import probe, read_video

    out = tmp_path / "s.mp4"
    cmd = [
        sys.executable,
        "-m",
        "vidgen_edu",
        "generate",
        "--checkpoint",
        "pretrained",
        "--n",
        "8",
        "--out",
        str(out),
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    info = probe(out)
    assert info.frames == 16 and info.codec == "h264"
    frames = read_video(out)
    assert np.abs(np.diff(frames.astype(np.int16), axis=0)).mean() > 0.5  # the clips move


def test_a_shipped_file_passed_by_its_path_is_checked_too(tmp_path, monkeypatch):
    """The sha256 check is not skipped when the asset is named by its path instead of its alias."""
    import vidgen_edu.assets as assets
    from vidgen_edu.training import checkpoint

    bad = tmp_path / PRETRAINED.name
    bad.write_bytes(PRETRAINED.read_bytes()[:-10] + b"0123456789")
    (tmp_path / "manifest.json").write_text(json.dumps({bad.name: manifest_entry(bad.name)}))
    for module in (assets, checkpoint):
        monkeypatch.setattr(module, "ASSETS", tmp_path)
    monkeypatch.setattr(assets, "MANIFEST", tmp_path / "manifest.json")
    for name in ("pretrained", str(bad)):
        with pytest.raises(AssetError, match="sha256"):
            load_generator(name)
