"""``train``: a run folder from start to end, resumable at any checkpoint.

The loop is one loop in commented phases (nanoGPT's layout): the model family's own step,
the EMA, the log, the samples, the checkpoint. It knows nothing of the family it trains: every
model follows ``vidgen_edu.models.contract``. See ``folder.py`` for what a run folder holds.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import torch
from tqdm.auto import tqdm

from vidgen_edu.errors import ConfigError, TrainingDiverged
from vidgen_edu.files import write_text_atomic
from vidgen_edu.models import build_model

from . import folder
from .checkpoint import FORMAT, check_device, load_checkpoint, rng_state, save_atomic, set_rng_state
from .config import RESUMABLE_KEYS
from .ema import EMA
from .loop import Interrupt, autocast_for, step_context, weights_finite
from .runconfig import RunConfig
from .samples import sample_grid_labels, save_clips


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a run after a checkpoint at the step it had reached."""


def config_differences(saved: dict, now: dict, *, ignore=()) -> list[str]:
    """Keys whose values differ between two config dicts, as ``key: saved -> now``."""
    keys = sorted((set(saved) | set(now)) - set(ignore))
    return [f"{k}: {saved.get(k)!r} -> {now.get(k)!r}" for k in keys if saved.get(k) != now.get(k)]


def _privacy(saved: dict) -> dict:
    """The saved privacy section; a run saved before it existed was not private."""
    from .config import PrivacyConfig

    return saved.get("privacy") or PrivacyConfig().to_dict()


def check_same_run(saved: dict, run: RunConfig) -> None:
    """A resumed run must train the same thing: name every setting that differs."""
    now = run.to_dict()
    diffs = [
        f"{section}.{d}"
        for section in ("model", "data", "train", "privacy")
        for d in config_differences(
            saved.get(section, {}) if section != "privacy" else _privacy(saved),
            now[section],
            ignore=RESUMABLE_KEYS if section == "train" else (),
        )
    ]
    if diffs:
        raise ConfigError(
            f"cannot resume with a different configuration ({'; '.join(diffs)}): "
            "use the original settings or start a new run in another folder"
        )


def checkpoint_state(step, model, ema, opts, run: RunConfig, elapsed: float) -> dict:
    """Everything needed to continue: weights, EMA, optimizers, step, config, RNG states."""
    return {
        "format": FORMAT,
        "step": step,
        "elapsed_s": elapsed,
        "config": run.to_dict(),
        "model": model.state_dict(),
        "ema": ema.state_dict(),
        "optimizers": {k: o.state_dict() for k, o in opts.items()},
        "rng": rng_state(),
    }


def restore(path: Path, model, ema, opts, run: RunConfig, device) -> tuple[int, float]:
    """Load ``last.pt`` strictly into the run; returns ``(step, elapsed_s)``."""
    from .checkpoint import load_state

    ckpt = load_checkpoint(path, device=str(device))
    check_same_run(ckpt["config"], run)
    if run.train.steps < ckpt["step"]:
        raise ConfigError(
            f"train.steps={run.train.steps} is below the step the run has "
            f"reached ({ckpt['step']}): ask for more steps to continue it"
        )
    load_state(model, ckpt.get("model"), "model", path)
    load_state(ema.shadow, ckpt.get("ema"), "ema", path)
    for k, opt in opts.items():
        opt.load_state_dict(ckpt["optimizers"][k])
    set_rng_state(ckpt["rng"])
    return int(ckpt["step"]), float(ckpt.get("elapsed_s", 0.0))


def kept(run_dir: Path, saved_step: int) -> str:
    """What the divergence message says about the checkpoint on disk."""
    if (run_dir / "last.pt").exists():
        return f"{run_dir / 'last.pt'} (step {saved_step}) is kept untouched"
    return "no checkpoint had been written yet"


@torch.no_grad()
def write_samples(run_dir: Path, step: int, ema: EMA, run: RunConfig, device) -> Path:
    """``samples/step_XXXXXX.mp4``: ``sample_n`` clips from the EMA generator, fixed seed."""
    g, n = ema.shadow, run.train.sample_n
    gen = torch.Generator(device).manual_seed(run.train.seed + 7)
    labels = sample_grid_labels(n, run.model.num_classes)
    labels = None if labels is None else labels.to(device)
    video = g.sample(n, labels=labels, generator=gen)  # (B, C, T, H, W)
    ncols = min(run.model.num_classes, n) or None  # one column per class
    return save_clips(run_dir / "samples" / f"step_{step:06d}.mp4", video, ncols=ncols)


def open_folder(run_dir: Path, resume: bool, log) -> None:
    """Check the folder for a fresh run or a resume; clear what killed runs left behind."""
    if resume and not (run_dir / "last.pt").exists():
        raise ConfigError(
            f"cannot resume: {run_dir} holds no run (no last.pt); start the run "
            "without resume first"
        )
    stale = [] if resume else folder.check_fresh(run_dir)
    leftovers = folder.remove_temporaries(run_dir)
    if leftovers:
        log(f"removed {len(leftovers)} temporary file(s) a stopped run left in {run_dir}")
    if stale:
        for path in stale:
            path.unlink()
        log(
            f"starting afresh in {run_dir}: removed {len(stale)} file(s) of an earlier run that "
            "stopped before its first checkpoint (its log, config or samples)"
        )


def train(
    run_dir,
    run: RunConfig,
    *,
    resume: bool = False,
    progress: bool = True,
    log=None,
    poison_step: int = 0,
    build=None,
    on_checkpoint=None,
) -> dict:
    """Train ``run`` into ``run_dir``; with ``resume=True`` continue from its ``last.pt``.

    Returns ``{"step", "run_dir", "losses", "elapsed_s"}``. Raises ``TrainingDiverged`` when a
    loss or a weight stops being finite (``last.pt`` then still holds the last good state), and
    ``TrainingInterrupted`` after Ctrl-C (``last.pt`` then holds the step reached). ``log``
    receives one-line notes (default: stderr). ``poison_step`` is a test hook (see ``loop.py``).
    ``build(run, dataset)`` makes the model (default: ``build_model(run.model)``): the privacy
    layer hands in its private GAN this way. ``on_checkpoint(step)`` is called after each
    checkpoint is written (the privacy layer writes ``privacy.json`` there).
    """
    log = log or (lambda line: print(line, file=sys.stderr))
    if not isinstance(run, RunConfig):
        raise ConfigError(
            f"train expects a RunConfig, got {type(run).__name__}: build one with "
            "RunConfig.from_preset(...)"
        )
    check_device(run.train.device)  # before anything is written
    run_dir = folder.prepare(Path(run_dir))
    with folder.locked(run_dir):
        open_folder(run_dir, resume, log)
        hooks = (build or _build, on_checkpoint or (lambda step: None))
        return _train_locked(run_dir, run, resume, progress, log, poison_step, hooks)


def _build(run: RunConfig, dataset):
    return build_model(run.model)


def _train_locked(run_dir: Path, run: RunConfig, resume, progress, log, poison_step, hooks):
    cfg, (build, on_checkpoint) = run.train, hooks
    device = torch.device(check_device(cfg.device))
    ds = run.data.make(seed=cfg.seed)

    # -- init: weights from the seed, EMA copy, optimizers; or everything from last.pt
    torch.manual_seed(cfg.seed)
    model = build(run, ds).to(device)
    ema = EMA(model.generator, decay=cfg.ema_decay)
    opts = model.configure_optimizers(cfg)
    step, elapsed = 0, 0.0
    if resume:
        step, elapsed = restore(run_dir / "last.pt", model, ema, opts, run, device)
        note = folder.trim_log(run_dir, step)
        if note:
            log(note)
    write_text_atomic(run_dir / "config.json", json.dumps(run.to_dict(), indent=2) + "\n")
    if cfg.compile and device.type == "cuda":
        for net in model.networks():
            net.compile()
    autocast, saved_step = autocast_for(device, cfg), step

    def save(at: int) -> None:
        nonlocal saved_step
        if not weights_finite(model):
            raise TrainingDiverged(
                f"training diverged at step {at}: a weight is no longer "
                f"finite; {kept(run_dir, saved_step)}: lower the learning rates"
            )
        save_atomic(checkpoint_state(at, model, ema, opts, run, elapsed), run_dir / "last.pt")
        saved_step = at
        on_checkpoint(at)

    bar = tqdm(total=cfg.steps, initial=step, disable=not progress, desc="train")
    t_start, losses = time.perf_counter() - elapsed, {}
    with Interrupt() as interrupt:
        while step < cfg.steps and not interrupt.requested:
            # -- forward, backward and update: the model family's own objective
            ctx = step_context(ds, model, cfg, step, device, autocast, poison_step=poison_step)
            try:
                losses = model.training_step(ctx, opts)
            except TrainingDiverged as err:
                raise TrainingDiverged(
                    f"{err}; {kept(run_dir, saved_step)}: lower the learning "
                    "rates or check the data"
                ) from err
            # -- the generator's moving average
            ema.update(model.generator)
            step += 1
            elapsed = time.perf_counter() - t_start
            bar.update(1)
            # -- log
            if step % cfg.log_every == 0 or step == cfg.steps:
                folder.log_line(run_dir, {"step": step, **losses, "seconds": round(elapsed, 3)})
                bar.set_postfix({k: f"{v:.3g}" for k, v in losses.items() if "loss" in k})
            # -- samples
            if (cfg.sample_every and step % cfg.sample_every == 0) or step == cfg.steps:
                write_samples(run_dir, step, ema, run, device)
            # -- checkpoint (only weights that are still finite)
            if step % cfg.checkpoint_every == 0 or step == cfg.steps:
                save(step)
        bar.close()
        if interrupt.requested and step < cfg.steps:
            if saved_step != step:
                save(step)
            raise TrainingInterrupted(
                f"interrupted at step {step}: {run_dir / 'last.pt'} holds "
                f"step {step}; continue it with resume"
            )
    return {"step": step, "run_dir": str(run_dir), "losses": losses, "elapsed_s": elapsed}
