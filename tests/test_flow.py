"""The flow-matching family: shapes, its loss on tiny tensors, a training step, the sampler."""

from __future__ import annotations

import math

import pytest
import torch

from vidgen_edu.errors import ConfigError, UsageError
from vidgen_edu.models import ModelConfig, StepContext, VideoFlow, build_model
from vidgen_edu.models.contract import check_sample_options
from vidgen_edu.models.flow import (
    drop_labels,
    flow_matching_loss,
    interpolate,
    logit_normal,
    time_grid,
)
from vidgen_edu.training.config import TrainConfig
from vidgen_edu.training.runconfig import RunConfig


def tiny(num_classes: int = 3, **kw) -> VideoFlow:
    torch.manual_seed(0)
    cfg = ModelConfig(
        name="flow", size=16, frames=4, d_frames=0, num_classes=num_classes, flow_width=8, **kw
    )
    return build_model(cfg)


def context(model, step: int = 0, batch: int = 2) -> StepContext:
    cfg = model.config
    gen = torch.Generator().manual_seed(step)
    video = torch.rand(batch, 1, cfg.frames, cfg.size, cfg.size, generator=gen) * 2 - 1
    labels = torch.arange(batch) % max(1, cfg.num_classes) if cfg.num_classes else None
    train = TrainConfig(lr_g=1e-3, beta1=0.9)
    return StepContext(
        step=step, train=train, device=torch.device("cpu"), real=lambda k: (video, labels)
    )


def test_the_velocity_network_keeps_the_clip_shape():
    model = tiny()
    x = torch.randn(2, 1, 4, 16, 16)  # (B, C, T, H, W)
    v = model.generator(x, torch.tensor([0.3, 0.9]), torch.tensor([0, 3]))  # 3 = the null class
    assert v.shape == x.shape
    assert model.generator.sample(3).shape == (3, 1, 4, 16, 16)


def test_the_flow_matching_loss_on_tiny_tensors():
    x0 = torch.tensor([[1.0, -1.0]])
    noise = torch.tensor([[0.5, 0.5]])
    t = torch.tensor([0.25])
    # x_t = (1 - t) x0 + t eps = 0.75 * x0 + 0.25 * eps
    assert torch.allclose(interpolate(x0, noise, t), torch.tensor([[0.875, -0.625]]))
    # target eps - x0 = (-0.5, 1.5); a velocity of (0, 0) misses it by 0.25 + 2.25, mean 1.25
    assert flow_matching_loss(torch.zeros(1, 2), x0, noise).item() == pytest.approx(1.25)
    assert flow_matching_loss(noise - x0, x0, noise).item() == 0.0


def test_the_path_runs_from_data_to_noise():
    x0, noise = torch.randn(3, 1, 2, 4, 4), torch.randn(3, 1, 2, 4, 4)
    assert torch.equal(interpolate(x0, noise, torch.zeros(3)), x0)
    assert torch.equal(interpolate(x0, noise, torch.ones(3)), noise)
    grid = time_grid(4)
    assert grid.tolist() == [1.0, 0.75, 0.5, 0.25, 0.0]


def test_logit_normal_times_and_label_dropout():
    t = logit_normal(20_000, generator=torch.Generator().manual_seed(0))
    assert 0 < t.min() and t.max() < 1 and abs(t.median().item() - 0.5) < 0.02
    labels = torch.zeros(20_000, dtype=torch.long)
    dropped = drop_labels(labels, 0.1, 10, generator=torch.Generator().manual_seed(1))
    assert set(dropped.unique().tolist()) == {0, 10}
    assert (dropped == 10).float().mean().item() == pytest.approx(0.1, abs=0.01)


def test_one_training_step_moves_the_weights_with_a_finite_loss():
    model = tiny()
    opts = model.configure_optimizers(TrainConfig(lr_g=1e-3, beta1=0.9))
    before = [p.detach().clone() for p in model.generator.parameters()]
    out = model.training_step(context(model), opts)
    assert math.isfinite(out["loss"]) and out["loss"] > 0
    after = list(model.generator.parameters())
    assert not torch.equal(before[-1], after[-1])  # the zero-initialised output head moves first
    for step in (1, 2):  # then the gradient reaches the layers behind it
        model.training_step(context(model, step), opts)
    moved = [not torch.equal(a, p) for a, p in zip(before, after, strict=True)]
    assert sum(moved) > 0.9 * len(moved)
    # the warm-up: step k (0-based) of 100 runs at (k + 1)/100 of the learning rate
    assert opts["flow"].param_groups[0]["lr"] == pytest.approx(3e-5)


def test_sampling_is_deterministic_for_a_seed():
    g = tiny().generator
    a = g.sample(2, labels=[0, 1], generator=torch.Generator().manual_seed(3), steps=2)
    b = g.sample(2, labels=[0, 1], generator=torch.Generator().manual_seed(3), steps=2)
    c = g.sample(2, labels=[0, 1], generator=torch.Generator().manual_seed(4), steps=2)
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert a.min() >= -1 and a.max() <= 1


def perturbed(model: VideoFlow) -> VideoFlow:
    """Random weights everywhere (zero-initialised layers would hide the class and guidance)."""
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.05)
    return model


def test_guidance_one_is_the_conditional_pass_and_both_passes_share_a_batch():
    g = perturbed(tiny()).generator
    x, labels = torch.randn(2, 1, 4, 16, 16), torch.tensor([0, 2])
    cond = g(x, torch.full((2,), 0.5), labels)
    assert torch.allclose(g.guided(x, 0.5, labels, 1.0), cond, atol=1e-6)
    null = g(x, torch.full((2,), 0.5), torch.full((2,), 3))
    assert torch.allclose(g.guided(x, 0.5, labels, 2.0), null + 2 * (cond - null), atol=1e-5)
    assert torch.allclose(g.guided(x, 0.5, labels, 0.0), null, atol=1e-5)
    s1 = g.sample(2, labels=labels, generator=torch.Generator().manual_seed(0), steps=2, guidance=1)
    s3 = g.sample(2, labels=labels, generator=torch.Generator().manual_seed(0), steps=2, guidance=3)
    assert not torch.equal(s1, s3)


def test_heun_uses_the_trapezoid_and_an_unconditional_model_ignores_guidance():
    g = perturbed(tiny(num_classes=0)).generator
    seed = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    x1 = torch.randn(1, 1, 4, 16, 16, generator=seed())
    v1 = g(x1, torch.ones(1))
    one_euler = (x1 - v1).clamp(-1, 1)  # one step from t = 1 to t = 0
    assert torch.allclose(
        g.sample(1, generator=seed(), steps=1, solver="euler"), one_euler, atol=1e-5
    )
    # Heun's last step (to t = 0) is plain Euler, so 1 Heun step = 1 Euler step
    assert torch.allclose(
        g.sample(1, generator=seed(), steps=1, solver="heun"), one_euler, atol=1e-5
    )
    assert torch.equal(
        g.sample(1, generator=seed(), steps=2, guidance=5.0),
        g.sample(1, generator=seed(), steps=2, guidance=1.0),
    )
    assert not torch.equal(
        g.sample(1, generator=seed(), steps=2, solver="heun"),
        g.sample(1, generator=seed(), steps=2, solver="euler"),
    )


def test_bad_sampling_options_and_settings_are_usage_errors():
    g = tiny().generator
    with pytest.raises(UsageError, match="steps=0"):
        g.sample(1, steps=0)
    with pytest.raises(UsageError, match="solver"):
        g.sample(1, solver="rk4")
    assert check_sample_options(g, {"steps": 4, "guidance": None}, model="flow") == {"steps": 4}
    with pytest.raises(UsageError, match="frames"):
        check_sample_options(g, {"frames": 8}, model="flow")
    with pytest.raises(ConfigError, match="flow_width=12"):
        ModelConfig(name="flow", flow_width=12)
    with pytest.raises(ConfigError, match="flow_label_dropout"):
        ModelConfig(name="flow", flow_label_dropout=1.0)


def test_the_pretrained_flow_preset_is_the_gans_data_class_conditional():
    flow = RunConfig.from_preset("pretrained-flow")
    gan = RunConfig.from_preset("pretrained")
    assert flow.model.name == "flow" and flow.model.num_classes == 10
    assert flow.data == gan.data
    params = sum(p.numel() for p in build_model(flow.model).generator.parameters())
    assert 0.5e6 < params < 0.9e6
