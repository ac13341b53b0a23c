"""Ship a run's EMA generator as a pretrained asset, with its manifest entry.

    python -m vidgen_edu.training.ship RUN [--name pretrained_mocogan.pt] [--n 512]
        [--command "how RUN was made"] [--cpu-seconds S]

Writes ``vidgen_edu/assets/NAME`` (the EMA generator only, see ``export_generator``) and records in
``assets/manifest.json`` how it was made (the run's resolved configuration, its steps and training
time), its sha256, its size and its metrics measured by ``vidgen_edu.metrics.evaluate`` at ``n``
clips against real clips of the same dataset (FVD proxy beside the real-vs-real floor, ACD, motion,
class accuracy). ``--command`` records how the run was made when it was not the GAN's preset
(the default command names ``--preset`` from the run's model); ``--cpu-seconds`` records the
training CPU time measured outside the loop (``time``), which on a shared machine is less than the
wall time the checkpoint holds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from vidgen_edu.assets import ASSETS, MANIFEST, sha256_of, update_manifest
from vidgen_edu.metrics.evaluate import evaluate

from .checkpoint import export_generator, load_checkpoint, load_generator

REPRODUCE = (
    "vidgen-edu train --preset pretrained --out RUN && python -m vidgen_edu.training.ship RUN"
)
REPRODUCE_FLOW = (
    "OMP_NUM_THREADS=1 vidgen-edu train --preset pretrained-flow --out RUN && "
    "python -m vidgen_edu.training.ship RUN --name pretrained_flow.pt"
)


def ship(
    run: str | Path,
    *,
    name: str = "pretrained_mocogan.pt",
    n: int = 512,
    seed: int = 0,
    command: str | None = None,
    cpu_seconds: float | None = None,
) -> dict:
    """Export ``run``'s generator into the assets and write its manifest entry; return the entry."""
    ckpt = load_checkpoint(run)
    if command is None:
        command = REPRODUCE_FLOW if ckpt["config"]["model"]["name"] == "flow" else REPRODUCE
    out = export_generator(run, ASSETS / name)
    entry = {
        "command": command,
        "config": ckpt["config"],
        "steps": int(ckpt["step"]),
        "train_seconds": round(float(ckpt.get("elapsed_s", 0.0)), 1),  # wall time of the loop
        "sha256": sha256_of(out),
        "bytes": out.stat().st_size,
        "torch": torch.__version__,
    }
    # the new file's sha256 goes in first: loading a shipped asset checks it against the manifest
    update_manifest(MANIFEST, name, entry)
    generator, cfg, data = load_generator(out)
    entry["metrics"] = evaluate(
        generator, n=n, data_spec=data, seed=seed, num_classes=cfg.num_classes
    )
    if cfg.name == "flow":  # the ODE sampler's settings the metrics were measured with
        from vidgen_edu.models import flow

        entry["sampling"] = {
            "steps": flow.DEFAULT_STEPS,
            "guidance": flow.DEFAULT_GUIDANCE,
            "solver": flow.DEFAULT_SOLVER,
        }
    if cpu_seconds is not None:
        entry["train_cpu_seconds"] = round(float(cpu_seconds), 1)
    privacy = Path(run if Path(run).is_dir() else Path(run).parent) / "privacy.json"
    if privacy.exists():  # a private run: what it spent goes with the weights
        entry["privacy"] = json.loads(privacy.read_text())
    update_manifest(MANIFEST, name, entry)
    return entry


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m vidgen_edu.training.ship", description=__doc__.splitlines()[0]
    )
    p.add_argument("run", help="a run folder or its last.pt")
    p.add_argument("--name", default="pretrained_mocogan.pt", help="asset file name")
    p.add_argument("--n", type=int, default=512, help="clips for the metrics")
    p.add_argument("--command", help="the command line that made RUN (default: its preset's)")
    p.add_argument("--cpu-seconds", type=float, help="training CPU time measured with `time`")
    args = p.parse_args(argv)
    entry = ship(
        args.run, name=args.name, n=args.n, command=args.command, cpu_seconds=args.cpu_seconds
    )
    print({k: entry[k] for k in ("steps", "sha256", "bytes", "metrics")})
    return 0


if __name__ == "__main__":
    sys.exit(main())
