"""One training step for every model (the loop around it, in phases, is ``run.train``).

A GAN step: the discriminators take ``n_critic`` updates on fresh real clips against generated
ones, then the generator takes one update against the frozen discriminators. A VAE has no
discriminator: its step is one update of the negative ELBO.

Everything random in a step is drawn from seeds derived from ``(seed, step)``: the data
(``ds.sample(seed=...)``), the noise and the frames the discriminators look at. So a run resumed
from ``last.pt`` makes exactly the same updates as one that was never interrupted.
"""

from __future__ import annotations

import contextlib
import math

import torch

from .config import TrainConfig
from .losses import d_loss, g_loss, r1_penalty


class TrainingDiverged(RuntimeError):
    """A loss or a weight became NaN or infinite; the last good checkpoint is kept."""


def step_seed(seed: int, step: int, k: int = 0) -> int:
    """A distinct, reproducible seed for draw ``k`` of ``step`` of a run seeded ``seed``."""
    return ((seed * 1_000_003 + step) * 64 + k) % (2**62)


def autocast_for(device: torch.device, cfg: TrainConfig):
    """bf16 autocast on CUDA when ``cfg.amp``; a no-op context on CPU."""
    if device.type == "cuda" and cfg.amp:
        return lambda: torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext


def finite(what: str, value: torch.Tensor, step: int) -> float:
    """``value`` as a float, or ``TrainingDiverged`` naming the step and the loss."""
    v = float(value.detach())
    if not math.isfinite(v):
        raise TrainingDiverged(f"training diverged at step {step + 1}: the {what} is {v}")
    return v


def real_batch(ds, cfg: TrainConfig, step: int, k: int, device, cond: bool):
    """Real clips (B, C, T, H, W) and labels (or None) for draw ``k`` of ``step``."""
    clips = ds.sample(cfg.batch, seed=step_seed(cfg.seed, step, 2 * k + 1), device=device)
    video = clips.video
    if cfg.debug_nan_step and step + 1 == cfg.debug_nan_step:
        video = video * float("nan")  # test hook: a poisoned batch must stop the run
    return video, (clips.labels if cond else None)


def d_update(model, opt_d, ds, cfg: TrainConfig, step: int, k: int, amp) -> dict:
    """One discriminator update: L_D on real vs generated clips, plus R1 when asked."""
    dev, ds_names = next(model.parameters()).device, list(model.discriminators)
    gen = torch.Generator(dev).manual_seed(step_seed(cfg.seed, step, 2 * k))
    video, labels = real_batch(ds, cfg, step, k, dev, bool(model.config.num_classes))
    with torch.no_grad(), amp():
        fake = model.generator.sample(cfg.batch, labels=labels, generator=gen)
    video.requires_grad_(cfg.r1 > 0)
    with amp():
        real_logits = model.discriminate(video, labels, generator=gen)
        fake_logits = model.discriminate(fake.float(), labels, generator=gen)
    loss = sum(
        d_loss(real_logits[d].float(), fake_logits[d].float(), kind=cfg.loss) for d in ds_names
    )
    out = {"d_loss": finite("discriminator loss", loss, step)}
    if cfg.r1 > 0:
        r1 = sum(r1_penalty(real_logits[d].float(), video, gamma=cfg.r1) for d in ds_names)
        out["r1"] = finite("R1 penalty", r1, step)
        loss = loss + r1
    for d in ds_names:
        out[f"real_{d}"] = float(real_logits[d].detach().float().mean())
        out[f"fake_{d}"] = float(fake_logits[d].detach().float().mean())
    opt_d.zero_grad(set_to_none=True)
    loss.backward()
    opt_d.step()
    return out


def g_update(model, opt_g, cfg: TrainConfig, step: int, amp) -> dict:
    """One generator update: L_G summed over the discriminators (which stay frozen)."""
    dev, num_classes = next(model.parameters()).device, model.config.num_classes
    gen = torch.Generator(dev).manual_seed(step_seed(cfg.seed, step, 63))
    labels = None
    if num_classes:
        labels = torch.randint(0, num_classes, (cfg.batch,), generator=gen, device=dev)
    model.discriminators.requires_grad_(False)
    try:
        with amp():
            fake = model.generator.sample(cfg.batch, labels=labels, generator=gen)
            logits = model.discriminate(fake, labels, generator=gen)
        loss = sum(g_loss(logits[d].float(), kind=cfg.loss) for d in logits)
        out = {"g_loss": finite("generator loss", loss, step)}
        opt_g.zero_grad(set_to_none=True)
        loss.backward()
        opt_g.step()
    finally:
        model.discriminators.requires_grad_(True)
    return out


def vae_update(model, opt, ds, cfg: TrainConfig, step: int, amp) -> dict:
    """One update of the negative ELBO (``model.loss``)."""
    dev = next(model.parameters()).device
    gen = torch.Generator(dev).manual_seed(step_seed(cfg.seed, step, 0))
    video, labels = real_batch(ds, cfg, step, 0, dev, bool(model.config.num_classes))
    with amp():
        loss, stats = model.loss(video, labels, generator=gen)
    out = {"loss": finite("negative ELBO", loss, step), **stats}
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return out


def train_step(model, opts: dict, ds, cfg: TrainConfig, step: int, amp) -> dict:
    """One step of whichever objective the model has; returns its losses as floats."""
    if not len(model.discriminators):
        return vae_update(model, opts["g"], ds, cfg, step, amp)
    out = {}
    for k in range(cfg.n_critic):
        out.update(d_update(model, opts["d"], ds, cfg, step, k, amp))
    out.update(g_update(model, opts["g"], cfg, step, amp))
    return out


def make_optimizers(model, cfg: TrainConfig) -> dict:
    """Adam for G (lr_g) and for the Ds (lr_d): two time-scale updates (Heusel et al. 2017).

    A VAE trains encoder and decoder together at lr_g.
    """
    betas = (cfg.beta1, cfg.beta2)
    if not len(model.discriminators):
        return {"g": torch.optim.Adam(model.parameters(), lr=cfg.lr_g, betas=betas)}
    return {
        "g": torch.optim.Adam(model.generator.parameters(), lr=cfg.lr_g, betas=betas),
        "d": torch.optim.Adam(model.discriminators.parameters(), lr=cfg.lr_d, betas=betas),
    }
