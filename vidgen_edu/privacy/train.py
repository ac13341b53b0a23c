"""``dp_train``: a private run folder, with its budget calibrated, enforced and recorded.

The training loop is the ordinary one (``vidgen_edu.training.train``); this module hands it the
private GAN (``dpgan.PrivateVideoGAN``) or, with ``model.name=flow``, the private flow model
(``dpflow.PrivateVideoFlow``) and, after every checkpoint, writes ``privacy.json``: what the run
has spent so far. Each discriminator update (each update of a flow model) is one subsampled
Gaussian mechanism, so a run of ``steps`` steps with ``n_critic`` updates each composes
``steps * n_critic`` of them (a flow model makes one update a step; counting ``n_critic`` for it
can only overstate what it spent). The noise is calibrated so that the planned run spends the target; a resume that would
spend more is refused, with what remains.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from vidgen_edu.errors import ConfigError
from vidgen_edu.files import write_text_atomic

from . import accounting

PRIVATE_SETTINGS = {  # what every private run needs, on top of a profile's preset
    "model.private": True,
    "model.spectral_norm": False,
    "model.d_image_frames": 0,
    "model.num_classes": 10,
    "data.name": "moving-digits",
    "data.digits": 1,
}
CLIPS = {"smoke": 256, "cpu": 1000, "gpu": 1500}  # the fixed private set, per profile


def private_run(profile: str, target_epsilon: float, delta: float, overrides=()):
    """The ``RunConfig`` of ``dp-train``: the profile, the private settings, then ``--set``."""
    from vidgen_edu.training.presets import PRESETS
    from vidgen_edu.training.runconfig import RunConfig, parse_overrides

    base = dict(PRIVATE_SETTINGS, **{"data.clips": CLIPS.get(profile, 1000)})
    base.update({"privacy.target_epsilon": target_epsilon, "privacy.delta": delta})
    if profile not in PRESETS:
        raise ConfigError(f"unknown profile {profile!r}: expected one of smoke, cpu, gpu")
    return RunConfig.from_preset(profile, {**base, **parse_overrides(list(overrides))})


def mechanisms(run, steps: int | None = None) -> int:
    """Subsampled Gaussian mechanisms in ``steps`` generator steps (one per D update)."""
    return (run.train.steps if steps is None else steps) * run.train.n_critic


def sample_rate(run) -> float:
    """``q``: the chance that a given clip is in one update's real batch."""
    return run.train.batch / run.data.clips


def calibrated(run):
    """``run`` with ``privacy.noise_multiplier`` set so that the planned run spends the target."""
    p = run.privacy
    if p.noise_multiplier:
        return run
    sigma = accounting.calibrate(
        p.target_epsilon,
        p.delta,
        sample_rate=sample_rate(run),
        steps=mechanisms(run),
        accountant=p.accountant,
    )
    return replace(run, privacy=replace(p, noise_multiplier=sigma))


def check_budget(run, reached: int = 0) -> None:
    """Refuse a run (or resume) whose last step would spend more than the target epsilon."""
    p, q = run.privacy, sample_rate(run)
    eps = accounting.epsilon(
        p.noise_multiplier, q, mechanisms(run), p.delta, accountant=p.accountant
    )
    if eps <= p.target_epsilon * (1 + 1e-9):
        return
    allowed = accounting.steps_within(p.target_epsilon, p.noise_multiplier, q, p.delta)
    allowed //= run.train.n_critic
    spent = accounting.epsilon(p.noise_multiplier, q, mechanisms(run, reached), p.delta)
    raise ConfigError(
        f"{run.train.steps} steps would spend epsilon {eps:.3g} > the budget "
        f"{p.target_epsilon:g} (delta {p.delta:g}): the budget allows {allowed} steps; "
        f"{max(allowed - reached, 0)} remain after step {reached} (RDP epsilon {spent:.3g} spent)"
    )


def saved_run(run_dir: Path):
    """The configuration a private run folder was started with (its ``config.json``)."""
    from vidgen_edu.training.runconfig import RunConfig

    path = run_dir / "config.json"
    if not path.exists():
        raise ConfigError(f"cannot resume: {run_dir} holds no run (no config.json)")
    return RunConfig.from_dict(json.loads(path.read_text()))


def record(run_dir: Path, run, step: int) -> dict:
    """Write ``privacy.json`` for ``step`` steps done (atomically); return what it holds."""
    rec = accounting.privacy_record(
        run.privacy,
        sample_rate=sample_rate(run),
        steps=mechanisms(run, step),
        dataset_size=run.data.clips,
        per_source=run.data.per_source,
    )
    rec["generator_steps"], rec["n_critic"] = step, run.train.n_critic
    write_text_atomic(run_dir / "privacy.json", json.dumps(rec, indent=2) + "\n")
    return rec


def dp_train(run_dir, run, *, resume: bool = False, steps: int | None = None, **kw) -> dict:
    """Train ``run`` privately into ``run_dir``; returns ``train``'s result plus ``privacy``.

    A fresh run calibrates its noise; a resumed run keeps the saved configuration (``steps``
    may lengthen it, within the budget).
    """
    from vidgen_edu.training import train
    from vidgen_edu.training.checkpoint import load_checkpoint

    from .dpflow import PrivateVideoFlow
    from .dpgan import PrivateVideoGAN

    run_dir = Path(run_dir)
    reached = 0
    if resume:
        run = saved_run(run_dir)
        if (run_dir / "last.pt").exists():
            reached = int(load_checkpoint(run_dir / "last.pt", device="cpu")["step"])
    if steps is not None:
        run = replace(run, train=replace(run.train, steps=steps))
    if not run.privacy.enabled:
        raise ConfigError("privacy.target_epsilon must be > 0 for a private run")
    run = calibrated(run)
    check_budget(run, reached)

    def build(run, data):
        if run.model.name == "flow":
            return PrivateVideoFlow(run.model, data, run.privacy, batch=run.train.batch)
        return PrivateVideoGAN(
            run.model, data, run.privacy, batch=run.train.batch, loss=run.train.loss
        )

    result = train(
        run_dir,
        run,
        resume=resume,
        build=build,
        on_checkpoint=lambda step: record(run_dir, run, step),
        **kw,
    )
    result["privacy"] = json.loads((run_dir / "privacy.json").read_text())
    return result
