"""The smallest model settings the tests train and sample with (16 px, 8 frames, narrow)."""

TINY_MODEL = dict(
    size=16,
    frames=8,
    ngf=8,
    ndf=8,
    d_frames=4,
    z_content=8,
    z_motion=4,
    z_noise=4,
    z_class=4,
    vae_latent=2,
)

# `vidgen-edu train` arguments for the smallest MoCoGAN run (the smoke preset's settings)
SMOKE_MOCOGAN = ["--model", "mocogan", "--dataset", "moving-digits", "--preset", "smoke"]
