"""MoCoGAN vs a VGAN-style GAN vs a video VAE vs the dynamic texture, trained with the SAME budget.

    OMP_NUM_THREADS=1 nohup .venv/bin/python benchmarks/compare_models.py --out runs/compare \\
        [--steps 300] [--batch 16] [--n 256] [--models vgan vae] [--pretrained] > runs/compare.log 2>&1 &

Each learned model is trained by ``vidgen_edu.training.train`` on the same data (Moving Digits, one
digit, 32x32, 16 frames, unconditional), with the same number of steps, batch size and seed,
widths 32, into ``OUT/<model>/``. An interrupted run continues; a finished one is only evaluated.
The generator EMA decay is set from the budget (``vidgen_edu.training.ema.ema_decay_for``), so a different ``--steps``
needs a new ``--out``. The dynamic texture (Doretto et al. 2003) is fitted in closed form on 64
real clips. With ``--pretrained`` the shipped conditional MoCoGAN (6,000 steps) is added as a
reference row (a different budget, marked as such).

All models are scored by ``vidgen_edu.metrics.evaluate`` on the same real samples: FVD proxy with
its real-vs-real floor at the same N, ACD and frame-to-frame motion (each beside the real clips'
value). Prints a markdown table and writes ``OUT/compare.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from vidgen_edu.data import make_dataset
from vidgen_edu.metrics import evaluate
from vidgen_edu.models import ModelConfig
from vidgen_edu.pipeline import DynamicTexture
from vidgen_edu.training import PRETRAINED, TrainConfig, load_checkpoint, load_generator, train
from vidgen_edu.training.ema import ema_decay_for

DATA = {"name": "moving-digits", "size": 32, "frames": 16, "digits": 1, "digit_size": 14}
MODELS = ("mocogan", "vgan", "vae")


def train_or_load(name: str, out: Path, *, steps: int, batch: int, seed: int):
    """Train ``name`` to ``steps`` in ``out/name`` (resuming what is there); its EMA generator
    (the decoder for the VAE) and the wall seconds this call spent training."""
    run = out / name
    m_cfg = ModelConfig(name=name, size=32, frames=16, ngf=32, ndf=32, d_frames=8)
    t_cfg = TrainConfig(steps=steps, batch=batch, seed=seed, log_every=max(1, steps // 50),
                        sample_every=0, checkpoint_every=max(1, steps // 10),
                        ema_decay=ema_decay_for(steps))
    resume = (run / "last.pt").exists()
    done = load_checkpoint(run / "last.pt")["step"] if resume else 0
    t0 = time.perf_counter()
    if done < steps:
        train(run, model_cfg=m_cfg, train_cfg=t_cfg, data_spec=DATA, resume=resume, progress=False)
    elapsed = load_checkpoint(run / "last.pt").get("elapsed_s", time.perf_counter() - t0)
    return load_generator(run)[0], float(elapsed)


def sources(args) -> dict:
    """``{row name: (generator or sampler, num_classes, budget text, train seconds)}``."""
    out = {}
    for name in args.models:
        g, secs = train_or_load(name, args.out, steps=args.steps, batch=args.batch, seed=args.seed)
        out[name] = (g, 0, f"{args.steps} steps x {args.batch}", secs)
        print(f"{name}: trained, {secs:.0f} s", flush=True)
    real = make_dataset(DATA["name"], size=32, frames=16, seed=args.seed + 11, digits=1,
                        digit_size=DATA["digit_size"]).sample(64, seed=5).video
    t0 = time.perf_counter()
    texture = DynamicTexture(k=16).fit(real)
    out["dynamic texture"] = (texture, 0, "closed form, 64 clips", time.perf_counter() - t0)
    if args.pretrained and PRETRAINED.exists():
        g, cfg, _ = load_generator("pretrained")
        steps = load_checkpoint("pretrained")["step"]
        out["mocogan (shipped, conditional)"] = (g, cfg.num_classes, f"{steps:,} steps x 16", None)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("runs/compare"), help="run folders + JSON")
    p.add_argument("--steps", type=int, default=300, help="training steps, the same for each model")
    p.add_argument("--batch", type=int, default=16, help="clips per batch, the same for each model")
    p.add_argument("--n", type=int, default=256, help="clips per sample in every score")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--pretrained", action="store_true", help="add the shipped model as a row")
    p.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS),
                   help="which learned models to train and score (default: all three)")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = {}
    for name, (src, nc, budget, secs) in sources(args).items():
        r = evaluate(src, n=args.n, data_spec=DATA, num_classes=nc, seed=100)
        rows[name] = {**{k: r[k] for k in ("fvd_proxy", "real_floor", "acd", "acd_real", "motion",
                                           "motion_real", "n")},
                      "budget": budget, "train_seconds": secs}
    floor = next(iter(rows.values()))["real_floor"]
    print(f"\nN = {args.n}; real-vs-real floor of the FVD proxy: {floor:.2f}; "
          f"threads: {torch.get_num_threads()}\n")
    print("| model | budget | train s | FVD proxy | ACD (real) | motion (real) |")
    print("|---|---|---:|---:|---:|---:|")
    for name, r in rows.items():
        secs = "-" if r["train_seconds"] is None else f"{r['train_seconds']:.0f}"
        print(f"| {name} | {r['budget']} | {secs} | {r['fvd_proxy']:.1f} | {r['acd']:.3f} "
              f"({r['acd_real']:.3f}) | {r['motion']:.3f} ({r['motion_real']:.3f}) |")
    result = {"data_spec": DATA, "steps": args.steps, "batch": args.batch, "seed": args.seed,
              "real_floor": floor, "models": rows}
    (args.out / "compare.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.out / 'compare.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
