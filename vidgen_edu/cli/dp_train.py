"""``vidgen-edu dp-train``: train the video GAN with differential privacy into a run folder.

vidgen-edu dp-train --target-epsilon 3 --delta 1e-5 --profile smoke --out runs/private
vidgen-edu dp-train --target-epsilon 10 --profile cpu --set data.clips=500 --out runs/p10
vidgen-edu dp-train --out runs/private --resume                    # within the budget only

The discriminator is trained with DP-SGD (Opacus) on a fixed set of ``data.clips`` clips, each
made from its own handwritten digit; the noise is calibrated so that ``--steps`` steps spend at
most ``--target-epsilon`` at ``--delta``. ``RUN/privacy.json`` records what was spent. It takes the
same ``--set section.field=value`` options as ``train`` (section ``privacy`` too).
"""

from __future__ import annotations

import json

from vidgen_edu.errors import UsageError


def add_arguments(p) -> None:
    p.add_argument("--target-epsilon", type=float, help="the privacy budget epsilon, e.g. 3")
    p.add_argument("--delta", type=float, default=1e-5, help="the budget delta (default 1e-5)")
    p.add_argument("--profile", default="auto", help="smoke, cpu, gpu or auto")
    p.add_argument("--out", help="the run folder (last.pt, config.json, privacy.json, ...)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out, in budget")
    p.add_argument("--steps", type=int, help="total generator steps (train.steps)")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.FIELD=VALUE",
        help="any setting, e.g. data.clips=500, privacy.max_grad_norm=0.5 (repeatable)",
    )
    p.add_argument("--print-config", action="store_true", help="print the settings, train nothing")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args) -> int:
    from vidgen_edu.privacy.train import calibrated, dp_train, private_run
    from vidgen_edu.profiles import resolve_profile

    if args.out is None and not args.print_config:
        raise UsageError("--out: name the run folder to write (or pass --print-config)")
    if args.resume:
        if args.target_epsilon is not None or args.set:
            raise UsageError(
                "--resume continues a run with its own budget and settings: leave out "
                "--target-epsilon and --set (only --steps may change)"
            )
        result = dp_train(
            args.out, None, resume=True, steps=args.steps, progress=not args.no_progress
        )
        return report(args.out, result)
    if args.target_epsilon is None:
        raise UsageError("--target-epsilon: give the privacy budget, e.g. --target-epsilon 3")
    overrides = [*args.set, *([f"train.steps={args.steps}"] if args.steps else [])]
    run_cfg = private_run(resolve_profile(args.profile), args.target_epsilon, args.delta, overrides)
    if args.print_config:
        print(json.dumps(calibrated(run_cfg).to_dict(), indent=2))
        return 0
    result = dp_train(args.out, run_cfg, progress=not args.no_progress)
    return report(args.out, result)


def report(out: str, result: dict) -> int:
    p = result["privacy"]
    print(
        f"trained privately to step {result['step']} in {result['elapsed_s']:.0f} s: epsilon "
        f"{p['epsilon']:.3g} ({p['accountant'].upper()}; RDP {p['epsilon_rdp']:.3g}) of the budget "
        f"{p['target_epsilon']:g} at delta {p['delta']:g}, noise multiplier "
        f"{p['noise_multiplier']:.3g}, {p['dataset_size']} clips: {out}/privacy.json"
    )
    return 0
