"""``vidgen-edu train``: train a video model on a dataset into a run folder.

vidgen-edu train --model mocogan --dataset moving-digits --profile smoke --out runs/x
vidgen-edu train --preset pretrained --out runs/pretrained
vidgen-edu train --out runs/x --resume            # the settings come from runs/x/last.pt
"""

from __future__ import annotations

from vidgen_edu.cli import UsageError
from vidgen_edu.models import MODEL_NAMES

# TrainConfig fields the command line may override: (flag, field)
OVERRIDES = (
    ("steps", "steps"),
    ("seed", "seed"),
    ("checkpoint_every", "checkpoint_every"),
    ("sample_every", "sample_every"),
    ("batch", "batch"),
    ("device", "device"),
)


def add_arguments(p) -> None:
    p.add_argument("--model", help=f"one of {', '.join(MODEL_NAMES)}")
    p.add_argument("--dataset", help="moving-digits, bouncing-shapes, moving-mnist:PATH, clips:DIR")
    p.add_argument("--profile", default="auto", help="smoke, cpu, gpu or auto (picks the preset)")
    p.add_argument("--preset", help="smoke, cpu, gpu or pretrained (overrides --profile)")
    p.add_argument("--out", required=True, help="the run folder (last.pt, metrics.jsonl, samples/)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from last.pt")
    p.add_argument("--steps", type=int, help="total training steps (default: the preset's)")
    p.add_argument("--seed", type=int, help="seed of data, noise and weights (default 0)")
    p.add_argument("--checkpoint-every", type=int, help="steps between checkpoints")
    p.add_argument("--sample-every", type=int, help="steps between sample videos")
    p.add_argument("--batch", type=int, help="clips per batch")
    p.add_argument("--device", help="cpu, cuda or auto (default auto)")
    p.add_argument("--conditional", action="store_true", help="condition on the data's classes")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _check_numbers(args) -> None:
    for flag in ("steps", "checkpoint_every", "batch"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise UsageError(f"--{flag.replace('_', '-')} {value}: expected a whole number >= 1")
    if args.sample_every is not None and args.sample_every < 0:
        raise UsageError(
            f"--sample-every {args.sample_every}: expected 0 (only at the end) or more"
        )


def _overrides(args) -> dict:
    return {
        field: getattr(args, flag) for flag, field in OVERRIDES if getattr(args, flag) is not None
    }


def _from_checkpoint(args):
    """The configurations of the run being resumed, with the command line's overrides."""
    from vidgen_edu.models import ModelConfig
    from vidgen_edu.training import TrainConfig, load_checkpoint

    ckpt = load_checkpoint(f"{args.out}/last.pt")
    train_cfg = {**ckpt["train_config"], **_overrides(args)}
    return (
        ModelConfig.from_dict(ckpt["model_config"]),
        TrainConfig.from_dict(train_cfg),
        dict(ckpt["data_spec"]),
    )


def _from_preset(args):
    from vidgen_edu.data import make_dataset
    from vidgen_edu.profiles import resolve_profile
    from vidgen_edu.training.presets import preset

    name = args.preset or resolve_profile(args.profile)
    if name != "pretrained":
        if not args.model or not args.dataset:
            raise UsageError("pass --model and --dataset (or --preset pretrained, or --resume)")
        if args.model not in MODEL_NAMES:
            raise UsageError(
                f"unknown model {args.model!r}: expected one of {', '.join(MODEL_NAMES)}"
            )
        ds = make_dataset(args.dataset, size=16, frames=4)  # only to learn channels and classes
        classes = ds.num_classes if args.conditional else 0
        return preset(
            name,
            model=args.model,
            dataset=args.dataset,
            channels=ds.channels,
            num_classes=classes,
            **_overrides(args),
        )
    return preset(name, **_overrides(args))


def run(args) -> int:
    from vidgen_edu.training import train

    _check_numbers(args)
    if args.resume and not (args.model or args.dataset or args.preset):
        model_cfg, train_cfg, data_spec = _from_checkpoint(args)
    else:
        model_cfg, train_cfg, data_spec = _from_preset(args)
    result = train(
        args.out,
        model_cfg=model_cfg,
        train_cfg=train_cfg,
        data_spec=data_spec,
        resume=args.resume,
        progress=not args.no_progress,
    )
    losses = ", ".join(f"{k} {v:.3g}" for k, v in result["losses"].items() if "loss" in k)
    print(
        f"trained {model_cfg.name} to step {result['step']} in {result['elapsed_s']:.0f} s "
        f"({losses}): {args.out}/last.pt"
    )
    return 0
