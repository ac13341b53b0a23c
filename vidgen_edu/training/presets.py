"""Named settings for a run: one per profile (smoke, cpu, gpu) and the shipped ``pretrained`` one.

Measured on the course machine (2 shared CPU cores; see FIELD-NOTES.md): one MoCoGAN step at
32x32, widths 32, batch 16, video D on 8 of 16 frames, takes ~0.64 s on one thread. So ``smoke``
trains at 16 px for a handful of steps, ``cpu`` at 32 px, and 64 px is for the GPU.
"""

from __future__ import annotations

from vidgen_edu.models import ModelConfig

from .config import TrainConfig
from .ema import ema_decay_for

PRESETS = ("smoke", "cpu", "gpu", "pretrained")

# preset -> (ModelConfig fields, TrainConfig fields); size and frames also set the data.
_SETTINGS = {
    "smoke": (
        dict(size=16, frames=8, ngf=16, ndf=16, d_frames=4, z_content=16, z_motion=8, z_noise=8),
        dict(steps=12, batch=8, log_every=2, sample_every=6, checkpoint_every=6, sample_n=4),
    ),
    "cpu": (
        dict(size=32, frames=16, ngf=32, ndf=32, d_frames=8),
        dict(steps=2000, batch=16, log_every=20, sample_every=250, checkpoint_every=100),
    ),
    "gpu": (
        dict(size=64, frames=16, ngf=64, ndf=64, d_frames=0, d_image_frames=4),
        dict(
            steps=30000,
            batch=32,
            log_every=50,
            sample_every=1000,
            checkpoint_every=500,
            n_critic=2,
            compile=False,
        ),
    ),
    # A class-conditional MoCoGAN on Moving Digits, one digit per clip ("generate a 3"), 32x32,
    # 16 frames: ~6,000 steps x ~0.65 s on one CPU thread, about 65-70 minutes. TTUR learning
    # rates (D 2x G) with beta1 = 0; SNGAN's (2e-4, 2e-4, betas (0.5, 0.999)) collapsed
    # to one static digit by step 500 in our try.
    "pretrained": (
        dict(
            name="mocogan",
            size=32,
            frames=16,
            num_classes=10,
            ngf=32,
            ndf=32,
            d_frames=8,
            d_image_frames=2,
        ),
        dict(
            steps=6000,
            batch=16,
            lr_g=2e-4,
            lr_d=4e-4,
            beta1=0.0,
            beta2=0.99,
            ema_decay=0.999,
            log_every=20,
            sample_every=500,
            checkpoint_every=250,
            sample_n=20,
        ),
    ),
}


def data_spec_for(dataset: str, *, size: int, frames: int, digits: int | None = None) -> dict:
    """The ``data_spec`` dict of a dataset name at a size; Moving Digits gets digits scaled
    as in Moving MNIST (28 px digits in 64 px frames)."""
    spec = {"name": dataset, "size": size, "frames": frames}
    if dataset == "moving-digits":
        spec.update(digits=digits or 2, digit_size=max(6, size * 7 // 16))
    return spec


def preset(
    name: str,
    *,
    model: str | None = None,
    dataset: str | None = None,
    channels: int = 1,
    num_classes: int | None = None,
    **train_overrides,
):
    """``(ModelConfig, TrainConfig, data_spec)`` of a preset, for ``model`` on ``dataset``.

    ``pretrained`` fixes model and data itself; ``train_overrides`` replace TrainConfig fields.
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}: expected one of {', '.join(PRESETS)}")
    m_kw, t_kw = (dict(d) for d in _SETTINGS[name])
    if name == "pretrained":
        spec = data_spec_for("moving-digits", size=32, frames=16, digits=1)
    else:
        if model is None or dataset is None:
            raise ValueError(
                f"preset {name!r} needs a model and a dataset: pass --model and --dataset"
            )
        m_kw.update(name=model, channels=channels, num_classes=num_classes or 0)
        spec = data_spec_for(dataset, size=m_kw["size"], frames=m_kw["frames"])
    t_kw.setdefault("ema_decay", ema_decay_for(t_kw["steps"]))  # the preset's length, not --steps
    t_kw.update({k: v for k, v in train_overrides.items() if v is not None})
    return ModelConfig(**m_kw), TrainConfig(**t_kw), spec
