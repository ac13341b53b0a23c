"""Models: shapes, range, determinism, conditioning, spectral norm, Opacus, VAE, loss formulas."""

import pytest
import torch
from tiny import TINY_MODEL as TINY
from torch.nn.utils import parametrize

from vidgen_edu.errors import ConfigError
from vidgen_edu.models import ModelConfig, build_model
from vidgen_edu.models.layers import pick_frames, pick_window
from vidgen_edu.models.losses import d_loss, g_loss, r1_penalty


def tiny(name, **kw):
    return ModelConfig(name=name, **{**TINY, **kw})


@pytest.mark.parametrize("name", ["mocogan", "vgan", "vae"])
@pytest.mark.parametrize("num_classes", [0, 10])
@pytest.mark.parametrize("channels", [1, 3])
def test_generator_shape_and_range(name, num_classes, channels):
    model = build_model(tiny(name, num_classes=num_classes, channels=channels))
    video = model.generator.sample(3)
    assert video.shape == (3, channels, 8, 16, 16)
    assert video.dtype == torch.float32
    assert video.min() >= -1 and video.max() <= 1
    assert video.std() > 0  # not a constant


@pytest.mark.parametrize("size", [32, 64])
def test_larger_sizes(size):
    for name in ("mocogan", "vgan", "vae"):
        model = build_model(ModelConfig(name=name, size=size, frames=4, ngf=4, ndf=4, d_frames=0))
        video = model.generator.sample(1)
        assert video.shape == (1, 1, 4, size, size)
        if name != "vae":
            logits = model.discriminate(video)
            assert all(v.shape[0] >= 1 and v.dim() == 1 for v in logits.values())


@pytest.mark.parametrize("name", ["mocogan", "vgan"])
@pytest.mark.parametrize("num_classes", [0, 10])
def test_discriminator_logits(name, num_classes):
    model = build_model(tiny(name, num_classes=num_classes))
    video = torch.rand(5, 1, 8, 16, 16) * 2 - 1
    labels = torch.arange(5) if num_classes else None
    out = model.discriminate(video, labels)
    assert set(out) == ({"image", "video"} if name == "mocogan" else {"video"})
    assert out["video"].shape == (5,)
    if name == "mocogan":
        assert out["image"].shape == (5 * model.config.d_image_frames,)


def test_projection_uses_the_label():
    model = build_model(tiny("mocogan", num_classes=10))
    torch.nn.init.normal_(model.discriminators["video"].head.embed.weight)
    video = torch.rand(2, 1, 8, 16, 16) * 2 - 1
    a = model.discriminators["video"](video, torch.tensor([0, 0]))
    b = model.discriminators["video"](video, torch.tensor([1, 1]))
    assert not torch.allclose(a, b)
    with pytest.raises(ValueError, match="labels"):
        model.discriminators["video"](video, None)


@pytest.mark.parametrize("name", ["mocogan", "vgan", "vae"])
def test_determinism_by_seed(name):
    g = build_model(tiny(name, num_classes=10)).generator.eval()
    a = g.sample(2, generator=torch.Generator().manual_seed(5))
    b = g.sample(2, generator=torch.Generator().manual_seed(5))
    c = g.sample(2, generator=torch.Generator().manual_seed(6))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


@pytest.mark.parametrize("name", ["mocogan", "vgan", "vae"])
def test_labels_change_the_output(name):
    g = build_model(tiny(name, num_classes=10)).generator
    a = g.sample(2, labels=3, generator=torch.Generator().manual_seed(1))
    b = g.sample(2, labels=[7, 7], generator=torch.Generator().manual_seed(1))
    assert not torch.equal(a, b)
    with pytest.raises(ValueError, match="class ids"):
        g.sample(2, labels=[10, 0])


def test_unconditional_refuses_labels():
    g = build_model(tiny("mocogan")).generator
    with pytest.raises(ValueError, match="unconditional"):
        g.sample(2, labels=1)


def test_mocogan_content_fixed_and_longer_clips():
    g = build_model(tiny("mocogan")).generator
    lat = g.sample_latents(2, generator=torch.Generator().manual_seed(0), frames=12)
    assert g(**lat).shape == (2, 1, 12, 16, 16)  # the GRU runs past the training length
    z_m = g.motion(lat["h0"], lat["eps"])  # (B, T, zm)
    assert not torch.allclose(z_m[:, 0], z_m[:, 1])  # motion changes over time
    lat2 = dict(lat, eps=torch.zeros_like(lat["eps"]))
    assert not torch.equal(g(**lat), g(**lat2))  # the noise drives the motion


def test_vgan_static_background_when_mask_is_zero():
    g = build_model(tiny("vgan")).generator
    torch.nn.init.zeros_(g.to_rgb_mask.weight)
    torch.nn.init.constant_(g.to_rgb_mask.bias, -50.0)  # sigmoid(-50) ~ 0: background only
    video = g.sample(2)
    assert torch.allclose(video[:, :, 0], video[:, :, -1], atol=1e-6)


def test_spectral_norm_present_when_asked():
    with_sn = build_model(tiny("mocogan", num_classes=10, spectral_norm=True))
    without = build_model(tiny("mocogan", num_classes=10, spectral_norm=False))
    kinds = (torch.nn.Conv2d, torch.nn.Conv3d, torch.nn.Linear, torch.nn.Embedding)

    def convs(m):
        return [x for x in m.discriminators.modules() if isinstance(x, kinds)]

    assert convs(with_sn) and all(parametrize.is_parametrized(x) for x in convs(with_sn))
    assert not any(parametrize.is_parametrized(x) for x in convs(without))


@pytest.mark.filterwarnings("ignore:Full backward hook")
def test_private_discriminator_accepted_by_opacus():
    from opacus import GradSampleModule
    from opacus.validators import ModuleValidator

    model = build_model(tiny("mocogan", num_classes=10, private=True, spectral_norm=False))
    for d in model.discriminators.values():
        assert ModuleValidator.validate(d, strict=False) == []
        assert any(isinstance(m, torch.nn.GroupNorm) for m in d.modules())
    # per-sample gradients really work through the video D
    d = GradSampleModule(model.discriminators["video"])
    video = torch.rand(3, 1, 4, 16, 16) * 2 - 1
    d(video, torch.tensor([1, 2, 3])).sum().backward()
    assert all(p.grad_sample.shape[0] == 3 for p in d.parameters() if p.requires_grad)


def test_config_errors():
    with pytest.raises(ValueError, match="spectral_norm=False"):
        ModelConfig(private=True, spectral_norm=True)
    with pytest.raises(ConfigError, match="name='tgan': expected one of mocogan"):
        ModelConfig(name="tgan")
    with pytest.raises(ConfigError, match="size=48"):
        ModelConfig(size=48)
    with pytest.raises(ConfigError, match="unknown key 'colour'; unknown key 'ngff'"):
        ModelConfig.from_dict({"ngff": 3, "colour": 1, "size": 16})
    with pytest.raises(ConfigError, match=r"unknown key 'foo'; ngf='32' \(str\): expected an int"):
        ModelConfig.from_dict({"ngf": "32", "foo": -1})  # every problem at once
    with pytest.raises(ConfigError, match=r"d_frames=-1.*; ngf=0: expected at least 1"):
        ModelConfig(d_frames=-1, ngf=0)
    cfg = tiny("vgan", num_classes=3)
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg


def test_pick_window_and_frames():
    video = torch.arange(2 * 6, dtype=torch.float32).reshape(2, 1, 6, 1, 1).expand(2, 1, 6, 2, 2)
    w = pick_window(video, 3, torch.Generator().manual_seed(0))  # (B, C, 3, H, W)
    t = w[:, 0, :, 0, 0]
    assert w.shape == (2, 1, 3, 2, 2) and torch.equal(t[:, 1:] - t[:, :-1], torch.ones(2, 2))
    f = pick_frames(video, 4, torch.Generator().manual_seed(0))  # (B*4, C, H, W)
    assert f.shape == (8, 1, 2, 2)
    assert (f[:4] < 6).all() and (f[4:] >= 6).all()  # frames stay with their clip


def test_vae_loss_is_the_negative_elbo():
    model = build_model(tiny("vae"))
    video = torch.rand(2, 1, 8, 16, 16) * 2 - 1
    loss, stats = model.loss(video, generator=torch.Generator().manual_seed(3))
    mu, logvar = model.encode(video)
    eps = torch.randn(mu.shape, generator=torch.Generator().manual_seed(3))
    x_hat = model.generator(mu + (0.5 * logvar).exp() * eps)
    recon = ((video - x_hat) ** 2).sum((1, 2, 3, 4)) / (2 * 0.1**2)
    kl = 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum((1, 2, 3, 4))
    assert stats["recon"] == pytest.approx(recon.mean().item(), rel=1e-5)
    assert stats["kl"] == pytest.approx(kl.mean().item(), rel=1e-5)
    assert loss.item() == pytest.approx((recon + kl).mean().item() / video[0].numel(), rel=1e-5)
    assert not hasattr(model, "discriminators")  # the VAE owns a different objective


def test_gan_losses_on_tiny_tensors():
    real, fake = torch.tensor([2.0, 0.5]), torch.tensor([-2.0, 0.0])
    assert d_loss(real, fake, kind="hinge").item() == pytest.approx((0 + 0.5) / 2 + (0 + 1) / 2)
    assert g_loss(fake, kind="hinge").item() == pytest.approx(1.0)
    sp = torch.nn.functional.softplus
    assert d_loss(real, fake, kind="nonsat").item() == pytest.approx(
        (sp(-real).mean() + sp(fake).mean()).item()
    )
    assert g_loss(fake, kind="nonsat").item() == pytest.approx(
        -torch.log(torch.sigmoid(fake)).mean().item()
    )
    x = torch.randn(4, 3, requires_grad=True)
    w = torch.tensor([1.0, 2.0, 2.0])
    assert r1_penalty(x @ w, x, gamma=10.0).item() == pytest.approx(0.5 * 10 * 9.0)  # ||w||^2 = 9
    with pytest.raises(ValueError, match="unknown loss"):
        d_loss(real, fake, kind="wgan")
