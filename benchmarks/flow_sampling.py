"""Sampling steps and guidance of the flow model against quality and time (issue 8's tables).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/flow_sampling.py [--checkpoint pretrained-flow]
        [--n 512] [--steps 1 2 4 8 16] [--heun 2 4] [--guidance 2] [--sweep 1 1.5 2 3 4]
        [--sweep-n 256] [--out runs/flow_sampling.json]

Table 1: for each solver and number of ODE steps, at guidance ``--guidance``: the FVD proxy with
its real-vs-real floor, ACD and frame change beside the real clips', class accuracy, network
evaluations per clip (a guided step is one batch of 2 clips), and the time per clip: CPU seconds
while drawing all N clips in batches of 64, and the wall time of ONE clip alone (the studio's
case; median of 5, so noisy on a shared machine: ``uptime`` is printed). Table 2: the guidance
scale at the default steps against class accuracy and diversity (the mean per-class spread of the
feature network's clip embeddings, beside the real clips'). Every score uses the same real
samples (``vidgen_edu.metrics.evaluate``, seed 100).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import torch

from vidgen_edu import metrics
from vidgen_edu.metrics.evaluate import as_sample_fn
from vidgen_edu.models import flow
from vidgen_edu.training import load_generator

SEED = 100


def timed(g, options: dict, clock: dict):
    """A ``sample_fn`` for ``evaluate`` that adds its CPU and wall seconds to ``clock``."""
    inner = as_sample_fn(g, seed=SEED, options=options)

    def sample_fn(n, labels):
        c0, w0 = time.process_time(), time.perf_counter()
        out = inner(n, labels)
        clock["cpu"] += time.process_time() - c0
        clock["wall"] += time.perf_counter() - w0
        return out

    return sample_fn


def one_clip_seconds(g, options: dict, repeats: int = 5) -> float:
    """Median wall seconds to sample one clip of class 3."""
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        g.sample(1, labels=[3], generator=torch.Generator().manual_seed(i), **options)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def diversity(video: torch.Tensor, labels: torch.Tensor) -> float:
    """Mean over classes of the root mean squared distance of clip embeddings to their class mean."""
    feats = metrics.embed(video)  # (N, 32)
    spreads = [
        feats[labels == c].var(0).sum().sqrt()
        for c in labels.unique()
        if int((labels == c).sum()) > 1
    ]
    return float(torch.stack(spreads).mean())


def score(g, cfg, data, n: int, options: dict) -> dict:
    clock = {"cpu": 0.0, "wall": 0.0}
    r = metrics.evaluate(
        timed(g, options, clock), n=n, data_spec=data, seed=SEED, num_classes=cfg.num_classes
    )
    return {**r, "cpu_s_per_clip": clock["cpu"] / n, "one_clip_s": one_clip_seconds(g, options)}


def evaluations(options: dict) -> int:
    """Network evaluations per clip: a guided pass counts 2 (conditional + null, one batch)."""
    steps, solver = options["steps"], options["solver"]
    calls = 2 * steps - 1 if solver == "heun" else steps
    return calls * (1 if options["guidance"] == 1 else 2)


def steps_table(g, cfg, data, args) -> list[dict]:
    settings = [("euler", s) for s in args.steps] + [("heun", s) for s in args.heun]
    rows = []
    for solver, steps in settings:
        options = {"steps": steps, "guidance": args.guidance, "solver": solver}
        rows.append(
            {**options, "evals": evaluations(options), **score(g, cfg, data, args.n, options)}
        )
        r = rows[-1]
        print(
            f"| {solver} | {steps} | {r['evals']} | {r['fvd_proxy']:.2f} ({r['real_floor']:.2f}) "
            f"| {r['acd']:.3f} ({r['acd_real']:.3f}) | {r['motion']:.3f} ({r['motion_real']:.3f}) "
            f"| {r['class_accuracy']:.3f} | {r['cpu_s_per_clip']:.3f} | {r['one_clip_s']:.3f} |",
            flush=True,
        )
    return rows


def guidance_table(g, cfg, data, args) -> list[dict]:
    real = data.make(seed=0).sample(args.sweep_n, seed=SEED)
    labels = real.labels.long()
    real_div = diversity(real.video.float(), labels)
    rows = []
    for w in args.sweep:
        options = {"steps": flow.DEFAULT_STEPS, "guidance": w, "solver": flow.DEFAULT_SOLVER}
        with torch.no_grad():
            clips = g.sample(
                args.sweep_n,
                labels=labels,
                generator=torch.Generator().manual_seed(SEED),
                **options,
            )
        acc = float((metrics.classify(clips) == labels).float().mean())
        rows.append(
            {
                "guidance": w,
                "class_accuracy": acc,
                "diversity": diversity(clips, labels),
                "diversity_real": real_div,
                "n": args.sweep_n,
            }
        )
        print(f"| {w:g} | {acc:.3f} | {rows[-1]['diversity']:.3f} ({real_div:.3f}) |", flush=True)
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", default="pretrained-flow", help="a flow run or alias")
    p.add_argument("--n", type=int, default=512, help="clips per sample in table 1")
    p.add_argument("--steps", type=int, nargs="*", default=[1, 2, 4, 8, 16], help="Euler steps")
    p.add_argument("--heun", type=int, nargs="*", default=[2, 4], help="Heun steps")
    p.add_argument("--guidance", type=float, default=flow.DEFAULT_GUIDANCE)
    p.add_argument(
        "--sweep",
        type=float,
        nargs="*",
        default=[1, 1.5, 2, 3, 4],
        help="guidance scales of table 2",
    )
    p.add_argument("--sweep-n", type=int, default=256, help="clips per guidance scale")
    p.add_argument("--threads", type=int, default=1, help="torch threads (1 on a shared machine)")
    p.add_argument("--out", type=Path, default=Path("runs/flow_sampling.json"))
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    g, cfg, data = load_generator(args.checkpoint)
    print(
        f"{args.checkpoint}: {cfg.size}x{cfg.size}x{cfg.frames}, threads {args.threads}, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n"
    )
    print(f"N = {args.n}, guidance {args.guidance:g}\n")
    print(
        "| solver | steps | evals/clip | FVD proxy (floor) | ACD (real) | frame change (real) "
        "| class acc. | CPU s/clip (batch) | one clip, wall s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    steps = steps_table(g, cfg, data, args)
    print(f"\nGuidance at {flow.DEFAULT_STEPS} {flow.DEFAULT_SOLVER} steps, N = {args.sweep_n}\n")
    print("| guidance | class acc. | diversity (real) |\n|---:|---:|---:|")
    sweep = guidance_table(g, cfg, data, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "checkpoint": args.checkpoint,
                "steps": steps,
                "guidance": sweep,
                "load_average": os.getloadavg()[0],
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwrote {args.out}; load average now {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
