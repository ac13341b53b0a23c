"""Ship a run's EMA generator as a pretrained asset, with its manifest entry.

    python -m vidgen_edu.training.ship RUN [--name pretrained_mocogan.pt] [--n 512]

Writes ``vidgen_edu/assets/NAME`` (the EMA generator only, see ``export_generator``) and records in
``assets/manifest.json`` how it was made (the run's three configurations, its steps and training
time), its sha256, its size and its metrics measured by ``vidgen_edu.metrics.evaluate`` at ``n``
clips against real clips of the same dataset (FVD proxy beside the real-vs-real floor, ACD, motion,
class accuracy).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from vidgen_edu.assets import ASSETS, MANIFEST, sha256_of, update_manifest
from vidgen_edu.metrics.evaluate import evaluate

from .checkpoint import export_generator, load_checkpoint, load_generator

REPRODUCE = "vidgen-edu train --preset pretrained --out RUN && python -m vidgen_edu.training.ship RUN"


def ship(run: str | Path, *, name: str = "pretrained_mocogan.pt", n: int = 512, seed: int = 0) -> dict:
    """Export ``run``'s generator into the assets and write its manifest entry; return the entry."""
    ckpt = load_checkpoint(run)
    out = export_generator(run, ASSETS / name)
    generator, cfg, data_spec = load_generator(out)
    metrics = evaluate(generator, n=n, data_spec=data_spec, seed=seed, num_classes=cfg.num_classes)
    entry = {
        "command": REPRODUCE,
        "model_config": ckpt["model_config"],
        "train_config": ckpt["train_config"],
        "data_spec": ckpt["data_spec"],
        "steps": int(ckpt["step"]),
        "train_seconds": round(float(ckpt.get("elapsed_s", 0.0)), 1),
        "sha256": sha256_of(out),
        "bytes": out.stat().st_size,
        "metrics": metrics,
        "torch": torch.__version__,
    }
    update_manifest(MANIFEST, name, entry)
    return entry


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m vidgen_edu.training.ship", description=__doc__.splitlines()[0])
    p.add_argument("run", help="a run folder or its last.pt")
    p.add_argument("--name", default="pretrained_mocogan.pt", help="asset file name")
    p.add_argument("--n", type=int, default=512, help="clips for the metrics")
    args = p.parse_args(argv)
    entry = ship(args.run, name=args.name, n=args.n)
    print({k: entry[k] for k in ("steps", "sha256", "bytes", "metrics")})
    return 0


if __name__ == "__main__":
    sys.exit(main())
