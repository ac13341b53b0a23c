"""Tests of the shipped feature network: its manifest, its accuracy, its loading, its retraining."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from vidgen_edu import assets
from vidgen_edu.errors import AssetError, VidgenError
from vidgen_edu.metrics import features as F
from vidgen_edu.metrics import train_features as T
from vidgen_edu.video.errors import VideoError

FRESH_SEED = T.HELD_OUT_SEED + 7_919  # neither a training seed nor the manifest's evaluation seed


def test_manifest_describes_the_shipped_file():
    entry = assets.manifest_entry("feature_net.pt")
    assert F.SHIPPED.stat().st_size < 1_000_000
    assert entry["sha256"] == assets.sha256_of(F.SHIPPED)
    assert entry["command"].startswith(
        "OMP_NUM_THREADS=1 python -m vidgen_edu.metrics.train_features"
    )
    assert entry["steps"] > 0 and entry["dataset"]["name"] == "moving-digits"
    assert entry["accuracy"]["digit"] >= 0.95


def test_shipped_weights_classify_fresh_held_out_clips():
    net = F.load_feature_net()
    accuracy = T.measure_accuracy(net, n=200, seed=FRESH_SEED)
    assert accuracy["digit"] >= 0.9, accuracy
    assert accuracy["motion"] >= 0.7, accuracy  # chance is 0.25


def test_classify_and_embed_shapes_on_rgb_clips_of_another_size():
    from vidgen_edu.data import MovingDigits

    clips = MovingDigits(size=48, frames=12, digits=1).sample(40, seed=FRESH_SEED)
    rgb = clips.video.expand(-1, 3, -1, -1, -1)  # (B, 3, T, H, W): gray as RGB
    labels = F.classify(rgb)
    assert labels.shape == (40,) and labels.dtype == torch.int64
    assert (labels == clips.labels).float().mean() >= 0.8  # resampled input is still readable
    assert F.embed(rgb).shape == (40, F.FeatureNetConfig().embed_dim)


def test_prepare_gray_resample_and_resize():
    x = torch.zeros(2, 3, 8, 16, 16)
    x[:, 0], x[:, 1], x[:, 2] = 1.0, -1.0, 0.5
    y = F.prepare(x, frames=4, size=32)
    assert y.shape == (2, 1, 4, 32, 32)
    assert torch.allclose(y, torch.full_like(y, 0.299 - 0.587 + 0.5 * 0.114), atol=1e-6)
    ramp = torch.arange(8.0).view(1, 1, 8, 1, 1).expand(1, 1, 8, 32, 32) / 10
    picked = F.prepare(ramp, frames=4)[0, 0, :, 0, 0] * 10  # round(linspace(0, 7, 4)) = 0, 2, 5, 7
    assert picked.round().tolist() == [0.0, 2.0, 5.0, 7.0]
    frames = np.full((16, 32, 32, 1), 255, np.uint8)  # I/O layout (T, H, W, C)
    assert torch.allclose(F.prepare(frames), torch.ones(1, 1, 16, 32, 32))


def test_prepare_rejects_bad_input():
    with pytest.raises(VideoError, match="channels"):
        F.prepare(torch.zeros(1, 2, 16, 32, 32))
    with pytest.raises(VideoError, match="float tensor"):
        F.prepare(torch.zeros(16, 32, 32))
    with pytest.raises(VideoError, match="NaN"):
        F.prepare(torch.full((1, 1, 16, 32, 32), float("nan")))


def test_tampered_weights_are_refused(tmp_path, monkeypatch):
    bad = tmp_path / "feature_net.pt"
    shutil.copy(F.SHIPPED, bad)
    data = bytearray(bad.read_bytes())
    data[-100] ^= 0xFF
    bad.write_bytes(bytes(data))
    monkeypatch.setattr(assets, "ASSETS", tmp_path)  # the shipped file is now the tampered copy
    with pytest.raises(assets.AssetError, match="sha256"):
        F.load_feature_net()
    with pytest.raises(assets.AssetError, match="sha256"):
        F.load_feature_net(bad, sha256=assets.manifest_entry("feature_net.pt")["sha256"])
    with pytest.raises(AssetError, match="train_features"):
        F.load_feature_net(tmp_path / "missing.pt")


def test_unreadable_weights_are_the_users_error(tmp_path):
    """A given file that is not a feature network: an AssetError (CLI exit 2), not a torch error."""
    text = tmp_path / "notes.pt"
    text.write_text("not a checkpoint")
    with pytest.raises(AssetError, match="notes.pt is not a feature network") as err:
        F.load_feature_net(text)
    assert isinstance(err.value, VidgenError) and "\n" not in str(err.value)
    other = tmp_path / "other.pt"
    torch.save(
        {"weights": torch.zeros(2)}, other
    )  # a torch file, but not one save_feature_net wrote
    with pytest.raises(AssetError, match="other.pt is not a feature network"):
        F.load_feature_net(other)


def test_saved_weights_get_umask_permissions_and_leave_no_temp_file(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        sha = F.save_feature_net(F.FeatureNet(), tmp_path / "net.pt")
    finally:
        os.umask(old)
    assert [p.name for p in tmp_path.iterdir()] == ["net.pt"]
    assert (tmp_path / "net.pt").stat().st_mode & 0o777 == 0o644
    assert F.load_feature_net(tmp_path / "net.pt", sha256=sha) is not None


def test_retraining_command_runs_and_keeps_other_manifest_entries(tmp_path, capsys):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"generator.pt": {"sha256": "abc"}}))
    out = tmp_path / "feature_net.pt"
    argv = [
        "--out",
        str(out),
        "--steps",
        "3",
        "--batch-size",
        "4",
        "--eval-n",
        "6",
        "--sizes",
        "32",
        "--manifest",
        str(manifest),
    ]
    assert T.main(argv) == 0
    printed = json.loads(capsys.readouterr().out)
    entries = json.loads(manifest.read_text())
    assert entries["generator.pt"] == {"sha256": "abc"}
    entry = entries["feature_net.pt"]
    assert entry["sha256"] == printed["sha256"] == assets.sha256_of(out)
    assert entry["steps"] == 3 and entry["accuracy"]["n"] == 6
    net = F.load_feature_net(out, sha256=entry["sha256"])
    fresh = F.FeatureNet()
    assert not torch.equal(net.embed.weight, fresh.embed.weight)  # trained, not a new init
    assert F.embed(torch.zeros(2, 1, 16, 32, 32), net=net).shape == (2, 32)


def test_motion_labels_follow_the_first_step():
    positions = torch.tensor(
        [
            [[[0.0, 0.0]], [[2.0, 3.0]]],  # down, right -> 2*1 + 1 = 3
            [[[5.0, 5.0]], [[3.0, 7.0]]],  # up, right -> 1
            [[[5.0, 5.0]], [[5.0, 2.0]]],  # no vertical step -> IGNORE
        ]
    )  # (B=3, T=2, K=1, 2) as (y, x)
    assert T.motion_labels(positions).tolist() == [3, 1, T.IGNORE]
