"""Named settings for a run: one per profile (smoke, cpu, gpu) and the shipped ``pretrained`` one.

A preset is a small override dict on the defaults of ``RunConfig``'s three sections; anything it
does not name keeps its default, and anything may be overridden after it (``--set``). Derived
values (the model's size, the EMA decay) are resolved by ``RunConfig`` after every override.

Measured on the course machine (2 shared CPU cores; see FIELD-NOTES.md): one MoCoGAN step at
32x32, widths 32, batch 16, video D on 8 of 16 frames, takes ~0.64 s on one thread. So ``smoke``
trains at 16 px for a handful of steps, ``cpu`` at 32 px, and 64 px is for the GPU.
"""

from __future__ import annotations

import copy

from vidgen_edu.errors import ConfigError

PRESETS: dict[str, dict[str, dict]] = {
    "smoke": {
        "model": dict(ngf=16, ndf=16, d_frames=4, z_content=16, z_motion=8, z_noise=8),
        "train": dict(
            steps=12, batch=8, log_every=2, sample_every=6, checkpoint_every=6, sample_n=4
        ),
        "data": dict(size=16, frames=8),
    },
    "cpu": {
        "model": dict(ngf=32, ndf=32, d_frames=8),
        "train": dict(steps=2000, batch=16, log_every=20, sample_every=250, checkpoint_every=100),
        "data": dict(size=32, frames=16),
    },
    "gpu": {
        "model": dict(ngf=64, ndf=64, d_frames=0, d_image_frames=4),
        "train": dict(
            steps=30000, batch=32, log_every=50, sample_every=1000, checkpoint_every=500, n_critic=2
        ),
        "data": dict(size=64, frames=16),
    },
    # Notebook 04's live run in the cpu profile: a class-conditional MoCoGAN at 16x16 px and 8
    # frames with narrow networks, ~0.05 CPU-seconds a step on one thread (1,500 steps in 80 s).
    # Measured on 2026-12-02 (100 clips, the shipped classifier): at the pretrained preset's
    # learning rates (2e-4, 4e-4) 1,500 steps left a nearly static generator (frame change 0.07
    # against the data's 0.17, class accuracy 0.16); at these (5e-4, 1e-3) the frame change
    # reached the data's (0.17) while the class accuracy stayed near chance (0.11-0.15; 0.17
    # after 3,000 steps): motion is learnt in minutes, the conditioning takes the thousands of
    # steps of ``pretrained``.
    "live": {
        "model": dict(name="mocogan", num_classes=10, ngf=16, ndf=16, d_frames=8, d_image_frames=4),
        "train": dict(
            steps=1500,
            batch=16,
            lr_g=5e-4,
            lr_d=1e-3,
            beta1=0.0,
            beta2=0.99,
            log_every=20,
            sample_every=0,
            checkpoint_every=500,
        ),
        "data": dict(name="moving-digits", size=16, frames=8, digits=1),
    },
    # A class-conditional MoCoGAN on Moving Digits, one digit per clip ("generate a 3"), 32x32,
    # 16 frames: ~6,000 steps x ~0.65 s on one CPU thread, about 65-70 minutes. TTUR learning
    # rates (D 2x G) with beta1 = 0; SNGAN's (2e-4, 2e-4, betas (0.5, 0.999)) collapsed
    # to one static digit by step 500 in our try.
    "pretrained": {
        "model": dict(name="mocogan", num_classes=10, ngf=32, ndf=32, d_frames=8, d_image_frames=2),
        "train": dict(
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
        "data": dict(name="moving-digits", size=32, frames=16, digits=1),
    },
    # The shipped class-conditional flow model on the GAN's data (1-digit Moving Digits, 32x32x16):
    # a 0.7M-parameter space-time U-Net (models/unet.py), rectified flow, Adam 1e-3 after a
    # 100-step warm-up, EMA 0.998. 1,900 steps took 1,599 CPU-seconds on one thread (~0.84 s a
    # step, measured with `time`), within the GAN's 1,828; on the shared machine 2,342 s of wall.
    "pretrained-flow": {
        "model": dict(
            name="flow", num_classes=10, flow_width=24, flow_label_dropout=0.1, flow_warmup=100
        ),
        "train": dict(
            steps=1900,
            batch=16,
            lr_g=1e-3,
            beta1=0.9,
            beta2=0.99,
            ema_decay=0.998,
            log_every=20,
            sample_every=500,
            checkpoint_every=100,
            sample_n=20,
        ),
        "data": dict(name="moving-digits", size=32, frames=16, digits=1),
    },
}


def preset_settings(name: str) -> dict[str, dict]:
    """A copy of preset ``name``'s override dict, ``{"model": {...}, "train": {...}, "data": {...}}``."""
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}: expected one of {', '.join(PRESETS)}")
    return copy.deepcopy(PRESETS[name])
