"""The training loop: one step changes weights with finite losses, EMA, checkpoints, guards."""

import hashlib
import json
import os
import pickle

import pytest
import torch
from tiny import TINY_MODEL as MODEL

from vidgen_edu.data.config import DataConfig
from vidgen_edu.errors import ConfigError
from vidgen_edu.models import ModelConfig, build_model
from vidgen_edu.training import (
    RunConfig,
    RunFolderError,
    TrainConfig,
    TrainingDiverged,
    export_generator,
    load_checkpoint,
    load_generator,
    train,
)
from vidgen_edu.training.checkpoint import rng_state, save_atomic, set_rng_state
from vidgen_edu.training.ema import EMA
from vidgen_edu.training.loop import autocast_for, step_context

DATA = DataConfig(size=16, frames=8, digits=1)
TINY = {k: v for k, v in MODEL.items() if k not in ("size", "frames")}


def tiny_config(name="mocogan", **train_kw) -> RunConfig:
    kw = dict(
        steps=4, batch=4, log_every=1, checkpoint_every=2, sample_every=0, sample_n=2, ema_decay=0.9
    )  # an average that differs from the last weights
    kw.update(train_kw)
    return RunConfig(ModelConfig(name=name, num_classes=10, **TINY), TrainConfig(**kw), DATA)


def tiny_run(tmp_path, name="mocogan", *, sub="run", resume=False, poison_step=0, **train_kw):
    return train(
        tmp_path / sub,
        tiny_config(name, **train_kw),
        resume=resume,
        progress=False,
        poison_step=poison_step,
    )


@pytest.fixture(scope="module")
def dataset():
    return DATA.make()


@pytest.mark.parametrize("name", ["mocogan", "vgan", "vae"])
@pytest.mark.parametrize("loss,r1", [("hinge", 0.0), ("nonsat", 1.0)])
def test_one_step_changes_weights_with_finite_losses(dataset, name, loss, r1):
    torch.manual_seed(0)
    run = tiny_config(name, loss=loss, r1=r1, n_critic=2)
    model = build_model(run.model)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    cpu = torch.device("cpu")
    ctx = step_context(dataset, model, run.train, 0, cpu, autocast_for(cpu, run.train))
    out = model.training_step(ctx, model.configure_optimizers(run.train))
    assert out and all(torch.isfinite(torch.tensor(v)) for v in out.values())
    assert ("g_loss" in out and "d_loss" in out) or "loss" in out
    if r1 and name != "vae":
        assert out["r1"] > 0
    changed = {k for k, v in model.state_dict().items() if not torch.equal(v, before[k])}
    g_keys = {"generator." + k for k in model.generator.state_dict()}
    assert changed & g_keys, "the generator did not move"
    if name != "vae":
        d_keys = {"discriminators." + k for k in model.discriminators.state_dict()}
        assert changed & d_keys, "the discriminators did not move"


def test_ema_formula():
    net = torch.nn.Linear(2, 1)
    ema = EMA(net, decay=0.9)
    old = net.weight.detach().clone()
    with torch.no_grad():
        net.weight.add_(1.0)
    ema.update(net)
    assert torch.allclose(ema.shadow.weight, 0.9 * old + 0.1 * (old + 1.0))
    assert not ema.shadow.weight.requires_grad


def test_run_folder_files_and_checkpoint_round_trip(tmp_path):
    result = tiny_run(tmp_path, steps=4, sample_every=2)
    run = tmp_path / "run"
    assert result["step"] == 4
    lines = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert [x["step"] for x in lines] == [1, 2, 3, 4]
    assert all({"d_loss", "g_loss", "seconds"} <= set(x) for x in lines)
    assert sorted(p.name for p in (run / "samples").iterdir()) == [
        "step_000002.mp4",
        "step_000004.mp4",
    ]
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["model"]["name"] == "mocogan" and cfg["data"] == DATA.to_dict()
    ckpt = load_checkpoint(run / "last.pt")
    assert ckpt["step"] == 4 and set(ckpt["optimizers"]) == {"g", "d"}
    assert ckpt["config"] == cfg  # the resolved configuration, in both places
    model = build_model(ModelConfig.from_dict(ckpt["config"]["model"]))
    model.load_state_dict(ckpt["model"], strict=True)  # strict: every key matches
    g, mcfg, data = load_generator(run / "last.pt")
    assert not g.training and data == DATA and mcfg.num_classes == 10
    a = g.sample(2, generator=torch.Generator().manual_seed(0))
    assert not torch.equal(
        a, model.generator.eval().sample(2, generator=torch.Generator().manual_seed(0))
    )
    assert not [p for p in os.listdir(run) if p.endswith(".tmp")]
    small = export_generator(run / "last.pt", tmp_path / "g.pt")  # what ships as pretrained
    assert small.stat().st_size < (run / "last.pt").stat().st_size / 2
    g2, _, _ = load_generator(small)
    assert torch.equal(a, g2.sample(2, generator=torch.Generator().manual_seed(0)))


def test_vae_run(tmp_path):
    assert tiny_run(tmp_path, "vae", steps=2)["losses"]["kl"] >= 0
    g, cfg, _ = load_generator(tmp_path / "run")
    assert cfg.name == "vae" and g.sample(1).shape == (1, 1, 8, 16, 16)


class Unpicklable:
    def __reduce__(self):
        raise pickle.PicklingError("no pickling")


def test_atomic_save_keeps_old_file_on_failure(tmp_path):
    path = tmp_path / "last.pt"
    save_atomic({"a": torch.ones(2)}, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(pickle.PicklingError, match="no pickling"):
        save_atomic({"a": Unpicklable()}, path)  # fails in the middle of torch.save
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert os.listdir(tmp_path) == ["last.pt"]


def test_rng_state_round_trip():
    import random

    import numpy as np

    state = rng_state()
    a = (torch.rand(3), np.random.rand(3), random.random())
    set_rng_state(state)
    b = (torch.rand(3), np.random.rand(3), random.random())
    assert torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and a[2] == b[2]


def test_divergence_guard_poisoned_batch(tmp_path):
    with pytest.raises(
        TrainingDiverged, match=r"step 3: the discriminator loss is nan.*\(step 2\)"
    ):
        tiny_run(tmp_path, steps=4, checkpoint_every=2, poison_step=3)
    assert load_checkpoint(tmp_path / "run" / "last.pt")["step"] == 2


def test_divergence_guard_huge_learning_rate(tmp_path):
    with pytest.raises(TrainingDiverged, match="diverged at step"):
        tiny_run(tmp_path, steps=6, checkpoint_every=1, lr_g=1e30, lr_d=1e30, beta1=0.5)
    last = tmp_path / "run" / "last.pt"
    if last.exists():  # whatever was written before the blow-up is finite
        ckpt = load_checkpoint(last)
        assert all(torch.isfinite(v).all() for v in ckpt["model"].values() if v.is_floating_point())


def test_existing_run_needs_resume_and_resume_needs_a_run(tmp_path):
    with pytest.raises(ConfigError, match="cannot resume"):
        tiny_run(tmp_path, steps=2, resume=True)
    tiny_run(tmp_path, steps=2)
    with pytest.raises(RunFolderError, match="resume"):
        tiny_run(tmp_path, steps=2)
    with pytest.raises(ConfigError, match=r"train\.batch: 4 -> 2"):
        tiny_run(tmp_path, steps=4, batch=2, resume=True)
    with pytest.raises(ConfigError, match="below the step the run has reached"):
        tiny_run(tmp_path, steps=1, resume=True)
    assert tiny_run(tmp_path, steps=3, resume=True)["step"] == 3  # steps may grow


def test_the_model_takes_its_shape_from_the_data():
    run = RunConfig(ModelConfig(size=32, frames=16), TrainConfig(steps=1), DATA)
    assert (run.model.size, run.model.frames, run.model.channels) == (16, 8, 1)
    colour = RunConfig(ModelConfig(), TrainConfig(steps=1), DataConfig(name="bouncing-shapes"))
    assert colour.model.channels == 3


def test_presets():
    for name in ("smoke", "cpu", "gpu"):
        run = RunConfig.from_preset(
            name, {"model.name": "vgan", "data.name": "bouncing-shapes", "train.steps": 5}
        )
        assert (run.model.name, run.model.channels, run.train.steps) == ("vgan", 3, 5)
        assert run.model.size == run.data.size
    m, data = RunConfig.from_preset("pretrained").model, RunConfig.from_preset("pretrained").data
    assert (m.name, m.num_classes, m.size, m.frames, data.digits) == ("mocogan", 10, 32, 16, 1)
    n_params = sum(p.numel() for p in build_model(m).generator.parameters())
    assert n_params * 4 < 10e6  # shipped weights under 10 MB
    with pytest.raises(ConfigError, match="unknown preset"):
        RunConfig.from_preset("huge")
