"""``vidgen-edu evaluate``: FVD proxy, its real floor, content consistency and motion, as JSON.

    vidgen-edu evaluate --checkpoint PATH|pretrained [--n N] [--seed S] [--json]

Loads the generator with ``vidgen_edu.training.load_generator``, samples ``N`` clips and compares
them with ``N`` real clips of the dataset the checkpoint was trained on (its ``data_spec``), on the
shipped feature network (``vidgen_edu.metrics``). A class-conditional generator is asked for the
real clips' labels and also gets ``class_accuracy``.
"""

from __future__ import annotations

import argparse
import json

from vidgen_edu.cli import int_in
from vidgen_edu.cli.generate import add_sample_options, sample_options

KEYS = ("fvd_proxy", "real_floor", "acd", "acd_real", "motion", "motion_real", "class_accuracy")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--checkpoint",
        required=True,
        help="a checkpoint file (a run's last.pt) or 'pretrained' for the shipped model",
    )
    parser.add_argument(
        "--n", type=int_in(2, 8192), default=256, help="clips per sample, 2 to 8192 (default 256)"
    )
    parser.add_argument(
        "--seed",
        type=int_in(0, 2**31 - 1),
        default=0,
        help="seed of the real samples and the noise",
    )
    parser.add_argument(
        "--batch-size", type=int_in(1, 1024), default=64, help="clips generated at once"
    )
    add_sample_options(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object (else a table)")


def run(args: argparse.Namespace) -> int:
    from vidgen_edu.assets import manifest_entry
    from vidgen_edu.metrics.evaluate import evaluate
    from vidgen_edu.training import load_generator

    generator, config, data = load_generator(args.checkpoint)
    options = sample_options(args, generator, config)
    result = evaluate(
        generator,
        n=args.n,
        data_spec=data,
        seed=args.seed,
        num_classes=config.num_classes,
        batch_size=args.batch_size,
        sample_options=options,
    )
    result["checkpoint"] = str(args.checkpoint)
    result["feature_net_sha256"] = manifest_entry("feature_net.pt")[
        "sha256"
    ]  # which features the scores used
    if args.json:
        print(json.dumps(result))
    else:
        for key in ("n", *KEYS):
            if key in result:
                value = result[key]
                print(
                    f"{key:16s} {value:.4f}" if isinstance(value, float) else f"{key:16s} {value}"
                )
    return 0
