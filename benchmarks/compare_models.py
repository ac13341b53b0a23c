"""The shipped flow model vs the shipped GAN vs a video VAE vs the dynamic texture (issue 8's table).

    OMP_NUM_THREADS=1 nohup .venv/bin/python benchmarks/compare_models.py --out runs/compare \\
        [--n 512] [--vae-steps 600] > runs/compare.log 2>&1 &

Every row is scored by ``vidgen_edu.metrics.evaluate`` on the SAME real samples (seed 100) of the
shipped models' data (1-digit Moving Digits, 32x32, 16 frames), at the same N: the FVD proxy beside
its real-vs-real floor, ACD and frame change beside the real clips', class accuracy (for the
class-conditional rows), the training CPU time, and the CPU time per generated clip (drawing N
clips in batches of 64 on one thread). The rows:

- ``flow (shipped)``: ``pretrained-flow`` at its default sampling settings (its manifest entry
  holds the training CPU seconds measured with ``time``);
- ``MoCoGAN (shipped)``: ``pretrained``, trained on one thread on an idle machine (its manifest's
  loop time, which there equals CPU time);
- ``VAE (trained here)``: a class-conditional video VAE trained by this script on the same data for
  ``--vae-steps`` steps into ``OUT/vae`` (an interrupted run continues; a finished one is only
  scored), its CPU time measured around the training;
- ``dynamic texture``: Doretto et al. 2003, fitted in closed form on 64 real clips.

Prints a markdown table and writes ``OUT/compare.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch

from vidgen_edu.assets import manifest_entry
from vidgen_edu.metrics import evaluate
from vidgen_edu.metrics.evaluate import as_sample_fn, seeded
from vidgen_edu.pipeline import DynamicTexture
from vidgen_edu.training import RunConfig, load_checkpoint, load_generator, train
from vidgen_edu.training.checkpoint import ALIASES

SEED = 100


def shipped(alias: str):
    """(generator, num_classes, data, training CPU seconds, budget text) of a shipped model."""
    g, cfg, data = load_generator(alias)
    entry = manifest_entry(ALIASES[alias])
    secs = entry.get("train_cpu_seconds", entry["train_seconds"])
    return g, cfg.num_classes, data, secs, f"{entry['steps']:,} steps x 16"


def train_vae(out: Path, data, steps: int):
    """A class-conditional VAE on ``data`` trained to ``steps`` (resumed if there), CPU seconds."""
    run = out / "vae"
    settings = {
        "model.name": "vae",
        "model.num_classes": 10,
        "train.steps": steps,
        "train.sample_every": 0,
        "train.log_every": max(1, steps // 20),
        "train.checkpoint_every": max(1, steps // 10),
        **{f"data.{k}": v for k, v in data.to_dict().items()},
    }
    cpu_file, spent = run / "cpu_seconds.json", 0.0
    resume = (run / "last.pt").exists()
    if resume:
        spent = json.loads(cpu_file.read_text())["cpu_s"] if cpu_file.exists() else float("nan")
    if not resume or load_checkpoint(run / "last.pt")["step"] < steps:
        c0 = time.process_time()
        train(run, RunConfig.from_preset("cpu", settings), resume=resume, progress=False)
        spent += time.process_time() - c0
        cpu_file.write_text(json.dumps({"cpu_s": spent}) + "\n")
    return load_generator(run)[0], spent


def sources(args, data) -> dict:
    """``{row: (sample source, num_classes, budget text, training CPU seconds)}``."""
    rows = {}
    for name, alias in (("flow (shipped)", "pretrained-flow"), ("MoCoGAN (shipped)", "pretrained")):
        g, nc, spec, secs, budget = shipped(alias)
        probe = [d.make(seed=0).sample(4, seed=SEED).video for d in (spec, data)]
        assert torch.equal(*probe), f"{alias} was trained on other data: {spec}"
        rows[name] = (g, nc, budget, secs)
    vae, secs = train_vae(args.out, data, args.vae_steps)
    rows["VAE (trained here)"] = (vae, 10, f"{args.vae_steps:,} steps x 16", secs)
    c0 = time.process_time()
    texture = DynamicTexture(k=16).fit(data.make(seed=11).sample(64, seed=5).video)
    rows["dynamic texture"] = (
        seeded(texture.sample, seed=SEED),
        0,
        "closed form, 64 clips",
        time.process_time() - c0,
    )
    return rows


def score(source, nc: int, data, n: int) -> dict:
    """``evaluate`` on the common real samples, with the CPU seconds spent drawing the clips."""
    inner = as_sample_fn(source, seed=SEED)
    clock = [0.0]

    def sample_fn(k, labels):
        c0 = time.process_time()
        out = inner(k, labels)
        clock[0] += time.process_time() - c0
        return out

    r = evaluate(sample_fn, n=n, data_spec=data, num_classes=nc, seed=SEED)
    return {**r, "cpu_s_per_clip": clock[0] / n}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("runs/compare"), help="VAE run + JSON")
    p.add_argument("--n", type=int, default=512, help="clips per sample in every score")
    p.add_argument("--vae-steps", type=int, default=600, help="training steps of the VAE")
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    data = load_generator("pretrained")[2]
    keys = (
        "fvd_proxy",
        "real_floor",
        "acd",
        "acd_real",
        "motion",
        "motion_real",
        "n",
        "cpu_s_per_clip",
    )
    rows = {}
    for name, (src, nc, budget, secs) in sources(args, data).items():
        r = score(src, nc, data, args.n)
        rows[name] = {
            **{k: r[k] for k in keys},
            "class_accuracy": r.get("class_accuracy"),
            "class_accuracy_real": r.get("class_accuracy_real"),
            "budget": budget,
            "train_cpu_seconds": secs,
        }
        print(f"{name}: scored", flush=True)
    floor = next(iter(rows.values()))["real_floor"]
    assert all(r["real_floor"] == floor for r in rows.values()), "rows must share the real samples"
    print(
        f"\nN = {args.n}, seed {SEED}; FVD-proxy floor (real vs real): {floor:.2f}; threads "
        f"{torch.get_num_threads()}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n"
    )
    print(
        "| model | budget | train CPU s | FVD proxy (x floor) | ACD (real) | frame change (real) "
        "| class acc. (real) | CPU ms/clip |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, r in rows.items():
        acc = (
            "-"
            if r["class_accuracy"] is None
            else (f"{r['class_accuracy']:.3f} ({r['class_accuracy_real']:.3f})")
        )
        print(
            f"| {name} | {r['budget']} | {r['train_cpu_seconds']:.0f} | {r['fvd_proxy']:.2f} "
            f"(x{r['fvd_proxy'] / floor:.1f}) | {r['acd']:.3f} ({r['acd_real']:.3f}) "
            f"| {r['motion']:.3f} ({r['motion_real']:.3f}) | {acc} "
            f"| {1000 * r['cpu_s_per_clip']:.1f} |"
        )
    result = {
        "data_spec": data.to_dict(),
        "n": args.n,
        "seed": SEED,
        "real_floor": floor,
        "vae_steps": args.vae_steps,
        "models": rows,
    }
    (args.out / "compare.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.out / 'compare.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
