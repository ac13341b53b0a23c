"""``vidgen-edu train``: train a video model on a dataset into a run folder.

vidgen-edu train --model mocogan --dataset moving-digits --profile smoke --out runs/x
vidgen-edu train --profile cpu --set model.name=vae --set train.lr_g=2e-4 --out runs/vae
vidgen-edu train --preset pretrained --out runs/pretrained
vidgen-edu train --profile cpu --steps 100 --print-config       # the resolved settings, no training
vidgen-edu train --out runs/x --resume --steps 4000              # settings come from runs/x/last.pt

Every setting of the run is ``--set section.field=value`` (sections model, train, data; see
``--print-config`` for all of them); ``--model``, ``--dataset``, ``--steps`` and the other short
flags are the common ones spelled shorter.
"""

from __future__ import annotations

import argparse
import json

from vidgen_edu.errors import ConfigError, UsageError
from vidgen_edu.models import MODEL_NAMES

# short flag -> the setting it stands for
SHORT = {
    "model": "model.name",
    "dataset": "data.name",
    "steps": "train.steps",
    "seed": "train.seed",
    "checkpoint_every": "train.checkpoint_every",
    "sample_every": "train.sample_every",
    "batch": "train.batch",
    "device": "train.device",
}


def add_arguments(p) -> None:
    p.add_argument("--model", help=f"one of {', '.join(MODEL_NAMES)} (model.name)")
    p.add_argument("--dataset", help="moving-digits, bouncing-shapes, moving-mnist:PATH, clips:DIR")
    p.add_argument("--profile", default="auto", help="smoke, cpu, gpu or auto (picks the preset)")
    p.add_argument("--preset", help="smoke, cpu, gpu or pretrained (instead of --profile)")
    p.add_argument("--out", help="the run folder (last.pt, config.json, metrics.jsonl, samples/)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from last.pt")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.FIELD=VALUE",
        help="any setting, e.g. train.lr_g=2e-4, model.ngf=48, data.digits=1 (repeatable)",
    )
    p.add_argument(
        "--print-config",
        action="store_true",
        help="print the resolved configuration as JSON and train nothing",
    )
    p.add_argument("--steps", help="total training steps (train.steps)")
    p.add_argument("--seed", help="seed of data, noise and weights (train.seed)")
    p.add_argument("--checkpoint-every", help="steps between checkpoints (train.checkpoint_every)")
    p.add_argument("--sample-every", help="steps between sample videos (train.sample_every)")
    p.add_argument("--batch", help="clips per batch (train.batch)")
    p.add_argument("--device", help="cpu, cuda or auto (train.device)")
    p.add_argument(
        "--conditional",
        action="store_true",
        help="condition on the dataset's classes (model.num_classes = its classes)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--debug-poison-step", type=int, default=0, help=argparse.SUPPRESS)


def settings(args) -> list[str]:
    """The short flags and every ``--set``, as ``section.field=value`` strings (--set last)."""
    short = [
        f"{key}={getattr(args, flag)}"
        for flag, key in SHORT.items()
        if getattr(args, flag) is not None
    ]
    return short + list(args.set)


def fresh_config(args):
    """The ``RunConfig`` of a new run: the preset, then the flags, then ``--conditional``."""
    from vidgen_edu.profiles import resolve_profile
    from vidgen_edu.training import RunConfig

    name = args.preset or resolve_profile(args.profile)
    run = RunConfig.from_preset(name, settings(args))
    if args.conditional:
        classes = run.data.traits()[1]
        if not classes:
            raise ConfigError(
                f"--conditional: {run.data.name} has no class labels; "
                "train an unconditional model (leave --conditional out)"
            )
        run = RunConfig.from_preset(name, [*settings(args), f"model.num_classes={classes}"])
    return run


def resumed_config(args):
    """The ``RunConfig`` stored in ``--out``'s checkpoint, with the changes a resume allows.

    Given the whole original command again (``--model``/``--dataset``/``--preset``), that
    command's configuration is used and ``train`` names every setting that differs from the
    checkpoint's; the EMA decay derived from the first run's length is kept unless set.
    """
    from dataclasses import replace
    from pathlib import Path

    from vidgen_edu.training.checkpoint import load_checkpoint, run_config
    from vidgen_edu.training.config import RESUMABLE_KEYS

    last = Path(args.out) / "last.pt"
    if not last.is_file():
        raise UsageError(
            f"cannot resume: {args.out} holds no run (no last.pt); start it without --resume first"
        )
    saved = run_config(load_checkpoint(last))
    if args.model or args.dataset or args.preset or args.conditional:
        fresh = fresh_config(args)
        if not any(s.startswith("train.ema_decay=") for s in settings(args)):
            fresh = replace(fresh, train=replace(fresh.train, ema_decay=saved.train.ema_decay))
        return fresh
    return saved.with_overrides(settings(args), allowed={f"train.{k}" for k in RESUMABLE_KEYS})


def run(args) -> int:
    if args.out is None and not args.print_config:
        raise UsageError("--out: name the run folder to write (or pass --print-config)")
    run_cfg = resumed_config(args) if args.resume else fresh_config(args)
    if args.print_config:
        print(json.dumps(run_cfg.to_dict(), indent=2))
        return 0
    from vidgen_edu.training import train

    result = train(
        args.out,
        run_cfg,
        resume=args.resume,
        progress=not args.no_progress,
        poison_step=args.debug_poison_step,
    )
    losses = ", ".join(f"{k} {v:.3g}" for k, v in result["losses"].items() if "loss" in k)
    print(
        f"trained {run_cfg.model.name} to step {result['step']} in "
        f"{result['elapsed_s']:.0f} s ({losses or 'already at the last step'}): "
        f"{args.out}/last.pt"
    )
    return 0
