"""``train``: a run folder from start to end, resumable at any checkpoint.

A run folder holds ``config.json`` (the three configurations), ``metrics.jsonl`` (one JSON line
per log step), ``samples/step_XXXXXX.mp4`` (clips from the EMA generator with a fixed seed) and
``last.pt`` (the newest checkpoint, always complete; see ``checkpoint.py``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch
from tqdm.auto import tqdm

from vidgen_edu.models import ModelConfig, build_model

from .checkpoint import FORMAT, load_checkpoint, rng_state, save_atomic, set_rng_state
from .config import RESUMABLE_KEYS, TrainConfig
from .data import open_dataset
from .ema import EMA
from .loop import TrainingDiverged, autocast_for, make_optimizers, train_step
from .samples import sample_grid_labels, save_clips


class RunFolderError(ValueError):
    """The run folder cannot be used as asked (a run already there, or none to resume)."""


def pick_device(name: str) -> torch.device:
    """``auto`` -> CUDA when available, else CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device={name!r} but CUDA is not available: use 'cpu' or 'auto'")
    return torch.device(name)


def check_run_folder(run_dir: Path, resume: bool) -> None:
    """Refuse to overwrite a run, and refuse to 'resume' one that is not there."""
    last = run_dir / "last.pt"
    if resume and not last.exists():
        raise FileNotFoundError(
            f"cannot resume: {last} does not exist (start the run without --resume first)"
        )
    if not resume and last.exists():
        raise RunFolderError(
            f"{run_dir} already holds a run ({last}): pass --resume to continue it, "
            "or choose another --out"
        )


def config_differences(saved: dict, now: dict, *, ignore=()) -> list[str]:
    """Keys whose values differ between two config dicts, as ``key: saved -> now``."""
    keys = sorted((set(saved) | set(now)) - set(ignore))
    return [f"{k}: {saved.get(k)!r} -> {now.get(k)!r}" for k in keys if saved.get(k) != now.get(k)]


def check_same_run(ckpt: dict, model_cfg: dict, train_cfg: dict, data_spec: dict) -> None:
    """A resumed run must train the same thing: name every key that differs."""
    diffs = [f"model.{d}" for d in config_differences(ckpt["model_config"], model_cfg)]
    diffs += [f"data.{d}" for d in config_differences(ckpt["data_spec"], data_spec)]
    diffs += [
        f"train.{d}"
        for d in config_differences(ckpt["train_config"], train_cfg, ignore=RESUMABLE_KEYS)
    ]
    if diffs:
        raise ValueError(
            f"cannot resume with a different configuration ({'; '.join(diffs)}): "
            "use the original settings or start a new run in another --out"
        )


def checkpoint_state(step, model, ema, opts, cfgs: dict, elapsed: float) -> dict:
    """Everything needed to continue: weights, EMA, optimizers, step, configs, RNG states."""
    return {
        "format": FORMAT,
        "step": step,
        "elapsed_s": elapsed,
        **cfgs,
        "model": model.state_dict(),
        "ema": ema.state_dict(),
        "optimizers": {k: o.state_dict() for k, o in opts.items()},
        "rng": rng_state(),
    }


def restore(path: Path, model, ema, opts, cfgs: dict, device) -> tuple[int, float]:
    """Load ``last.pt`` strictly into the run; returns ``(step, elapsed_s)``."""
    ckpt = load_checkpoint(path, device=str(device))
    check_same_run(ckpt, cfgs["model_config"], cfgs["train_config"], cfgs["data_spec"])
    model.load_state_dict(ckpt["model"], strict=True)
    ema.load_state_dict(ckpt["ema"])
    for k, opt in opts.items():
        opt.load_state_dict(ckpt["optimizers"][k])
    set_rng_state(ckpt["rng"])
    return int(ckpt["step"]), float(ckpt.get("elapsed_s", 0.0))


def kept(run_dir: Path, saved_step: int) -> str:
    """What the divergence message says about the checkpoint on disk."""
    if (run_dir / "last.pt").exists():
        return f"{run_dir / 'last.pt'} (step {saved_step}) is kept untouched"
    return "no checkpoint had been written yet"


def weights_finite(model) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in model.parameters())


@torch.no_grad()
def write_samples(run_dir: Path, step: int, ema: EMA, cfg: TrainConfig, device) -> Path:
    """``samples/step_XXXXXX.mp4``: ``sample_n`` clips from the EMA generator, fixed seed."""
    g = ema.shadow
    gen = torch.Generator(device).manual_seed(cfg.seed + 7)
    labels = sample_grid_labels(cfg.sample_n, g.cfg.num_classes)
    labels = None if labels is None else labels.to(device)
    video = g.sample(cfg.sample_n, labels=labels, generator=gen)  # (B, C, T, H, W)
    ncols = min(g.cfg.num_classes, cfg.sample_n) or None  # one column per class
    return save_clips(run_dir / "samples" / f"step_{step:06d}.mp4", video, ncols=ncols)


def trim_log(run_dir: Path, step: int) -> None:
    """Drop log lines written after the checkpoint a run resumes from, so none appears twice."""
    path = run_dir / "metrics.jsonl"
    if path.exists():
        lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
        kept_lines = [ln for ln in lines if json.loads(ln)["step"] <= step]
        tmp = path.with_suffix(".jsonl.tmp")
        tmp.write_text("".join(ln + "\n" for ln in kept_lines))
        tmp.replace(path)


def log_line(run_dir: Path, record: dict) -> None:
    with open(run_dir / "metrics.jsonl", "a") as f:
        f.write(json.dumps(record) + "\n")


def train(
    run_dir,
    *,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    data_spec: dict,
    resume: bool = False,
    progress: bool = True,
) -> dict:
    """Train ``model_cfg`` on ``data_spec`` with ``train_cfg`` into ``run_dir``.

    Returns ``{"step", "run_dir", "losses", "elapsed_s"}``. Raises ``TrainingDiverged`` when a
    loss or a weight stops being finite (``last.pt`` then still holds the last good state).
    """
    run_dir = Path(run_dir)
    check_run_folder(run_dir, resume)
    cfgs = {
        "model_config": model_cfg.to_dict(),
        "train_config": train_cfg.to_dict(),
        "data_spec": dict(data_spec),
    }
    device = pick_device(train_cfg.device)
    ds = open_dataset(data_spec, model_cfg, seed=train_cfg.seed)

    # -- init: weights from the seed, EMA copy, optimizers; or everything from last.pt
    torch.manual_seed(train_cfg.seed)
    model = build_model(model_cfg).to(device)
    ema = EMA(model.generator, decay=train_cfg.ema_decay)
    opts = make_optimizers(model, train_cfg)
    step, elapsed = 0, 0.0
    if resume:
        step, elapsed = restore(run_dir / "last.pt", model, ema, opts, cfgs, device)
        trim_log(run_dir, step)
    run_dir.joinpath("samples").mkdir(parents=True, exist_ok=True)
    (run_dir / "config.json").write_text(json.dumps(cfgs, indent=2) + "\n")
    if train_cfg.compile and device.type == "cuda":
        for net in [model.generator, *model.discriminators.values()]:
            net.compile()
    amp, saved_step = autocast_for(device, train_cfg), step

    bar = tqdm(total=train_cfg.steps, initial=step, disable=not progress, desc="train")
    t_start, losses = time.perf_counter() - elapsed, {}
    while step < train_cfg.steps:
        # -- forward, backward and update (discriminators, then generator)
        try:
            losses = train_step(model, opts, ds, train_cfg, step, amp)
        except TrainingDiverged as err:
            raise TrainingDiverged(
                f"{err}; {kept(run_dir, saved_step)}: lower the learning rates or check the data"
            ) from None
        # -- the generator's moving average
        ema.update(model.generator)
        step += 1
        elapsed = time.perf_counter() - t_start
        bar.update(1)
        # -- log
        if step % train_cfg.log_every == 0 or step == train_cfg.steps:
            log_line(run_dir, {"step": step, **losses, "seconds": round(elapsed, 3)})
            bar.set_postfix({k: f"{v:.3g}" for k, v in losses.items() if "loss" in k})
        # -- samples
        every = train_cfg.sample_every
        if (every and step % every == 0) or step == train_cfg.steps:
            write_samples(run_dir, step, ema, train_cfg, device)
        # -- checkpoint (only weights that are still finite)
        if step % train_cfg.checkpoint_every == 0 or step == train_cfg.steps:
            if not weights_finite(model):
                raise TrainingDiverged(
                    f"training diverged at step {step}: a weight is no longer finite; "
                    f"{kept(run_dir, saved_step)}: lower the learning rates"
                )
            state = checkpoint_state(step, model, ema, opts, cfgs, elapsed)
            save_atomic(state, run_dir / "last.pt")
            saved_step = step
    bar.close()
    return {"step": step, "run_dir": str(run_dir), "losses": losses, "elapsed_s": elapsed}
