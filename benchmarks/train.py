"""Training speed, memory and FLOPs per step of the video GANs, as markdown tables.

    .venv/bin/python benchmarks/train.py [--configs pretrained,small] [--steps 6] [--threads 2,1]
    .venv/bin/python benchmarks/train.py --to-threshold 60 [--config small] [--eval-every 25]

Speed mode: for each configuration, one full training step of the library's loop
(``vidgen_edu.training.loop.train_step``: fresh real clips, D update(s), G update, then the EMA
update) is run ``--warmup`` times untimed and ``--steps`` times timed. It reports the median time
per step, clips per second (``batch / median``), peak memory and GFLOP per step (counted by
``torch.utils.flop_counter.FlopCounterMode`` on one eager step: forward and backward of every
network, data generation and the optimizer excluded), and the achieved GFLOP/s.

- CPU, with ``--threads`` torch threads (default 2, the course machine's cores): peak memory is
  the process's resident set size (RSS) sampled every 5 ms during the timed steps, minus the RSS
  before the model was built (tracemalloc would miss torch's own allocator); each row runs in a
  fresh process.
- CUDA, when available: fp32, bf16 autocast, and bf16 autocast + ``torch.compile``; peak memory
  is ``torch.cuda.max_memory_allocated``.

``--to-threshold F``: trains one configuration and evaluates the FVD proxy of its EMA generator
(decay ``--ema-decay``, default 0.99) every ``--eval-every`` steps (N = ``--n`` clips against
real clips of the same data, with the real-vs-real floor at the same N); it stops when the proxy
falls below ``F`` or at ``--max-steps``, and reports the steps and seconds it took (training
time, evaluation excluded).

Measured on the course machine (2 cores, one of them busy with another training run): 2 torch
threads made a step 12x slower than 1 (each OpenMP region waits for the thread that has no
core), so on a shared machine compare ``--threads 2,1`` before trusting a number.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

import psutil
import torch
from torch.utils.flop_counter import FlopCounterMode

from vidgen_edu.models import build_model
from vidgen_edu.training import RunConfig
from vidgen_edu.training.ema import EMA
from vidgen_edu.training.loop import autocast_for, step_context

CONFIGS = {
    # the shipped model (conditional MoCoGAN, 32x32x16, widths 32, batch 16)
    "pretrained": ("pretrained", {}),
    # the smoke preset (MoCoGAN 16x16x8, widths 16, batch 8), conditional as well
    "small": ("smoke", {"model.num_classes": 10, "data.digits": 1}),
}


def config(name: str, **train) -> RunConfig:
    """The ``RunConfig`` of a benchmark configuration, with ``train`` settings on top."""
    if name not in CONFIGS:
        raise SystemExit(f"unknown configuration {name!r}: expected one of {', '.join(CONFIGS)}")
    preset, settings = CONFIGS[name]
    extra = {f"train.{k}": v for k, v in train.items() if v is not None}
    return RunConfig.from_preset(preset, {**settings, **extra})


def build(name: str, device: torch.device, *, amp: bool, compile: bool, ema_decay=None):
    """Model, EMA, optimizers, dataset and TrainConfig of a configuration, on ``device``."""
    run = config(name, amp=amp, compile=compile, ema_decay=ema_decay)
    ds = run.data.make(seed=0)
    torch.manual_seed(0)
    model = build_model(run.model).to(device)
    if compile:
        for net in model.networks():
            net.compile()
    opts = model.configure_optimizers(run.train)
    return model, EMA(model.generator, decay=run.train.ema_decay), opts, ds, run.train


def one_step(parts, step: int, device) -> None:
    model, ema, opts, ds, t_cfg = parts
    model.training_step(
        step_context(ds, model, t_cfg, step, device, autocast_for(device, t_cfg)), opts
    )
    ema.update(model.generator)


def gflop_per_step(name: str) -> float:
    """GFLOP of one eager fp32 training step on the CPU (FLOPs do not depend on the device)."""
    parts = build(name, torch.device("cpu"), amp=False, compile=False)
    one_step(parts, 0, torch.device("cpu"))  # warm-up: lazy initialisation (spectral norm, Adam)
    with FlopCounterMode(display=False) as counter:
        one_step(parts, 1, torch.device("cpu"))
    return counter.get_total_flops() / 1e9


class PeakRSS:
    """Samples this process's RSS every 5 ms in a thread; ``peak`` is the largest seen, in bytes."""

    def __enter__(self):
        self.proc, self.peak, self.running = psutil.Process(), 0, True
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()
        return self

    def _poll(self):
        while self.running:
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.005)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()


def sync(device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_steps(name: str, device, *, amp: bool, compile: bool, steps: int, warmup: int) -> dict:
    """Median seconds per step and peak memory (MB) of ``steps`` timed steps."""
    rss_before = psutil.Process().memory_info().rss
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    parts = build(name, device, amp=amp, compile=compile)
    for k in range(warmup):
        one_step(parts, k, device)
    times = []
    with PeakRSS() as rss:
        for k in range(warmup, warmup + steps):
            sync(device)
            t0 = time.perf_counter()
            one_step(parts, k, device)
            sync(device)
            times.append(time.perf_counter() - t0)
    if device.type == "cuda":
        peak_mb = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak_mb = (rss.peak - rss_before) / 2**20
    return {
        "s_per_step": statistics.median(times),
        "best_s": min(times),
        "peak_mb": peak_mb,
        "batch": parts[4].batch,
    }


def row_in_fresh_process(name, dev, amp, comp, steps, warmup, threads) -> dict:
    """``time_steps`` in a new interpreter, so that one row's memory does not hide the next's
    (freed memory stays in the process: RSS does not shrink back)."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_row, (name, dev, amp, comp, steps, warmup, threads))


def _row(name, dev, amp, comp, steps, warmup, threads) -> dict:
    torch.set_num_threads(threads)
    return time_steps(name, torch.device(dev), amp=amp, compile=comp, steps=steps, warmup=warmup)


def speed_table(args) -> None:
    threads = [int(t) for t in str(args.threads).split(",")]
    torch.set_num_threads(threads[0])
    variants = [("cpu", f"CPU fp32, {t} thread{'s' * (t > 1)}", False, False, t) for t in threads]
    if torch.cuda.is_available():
        variants += [
            ("cuda", "CUDA fp32", False, False, threads[0]),
            ("cuda", "CUDA bf16 autocast", True, False, threads[0]),
            ("cuda", "CUDA bf16 + torch.compile", True, True, threads[0]),
        ]
    print(
        "| config | device | batch | s/step (median) | best | clips/s | peak memory MB "
        "| GFLOP/step | GFLOP/s |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in args.configs.split(","):
        gflop = gflop_per_step(name)
        for dev, label, amp, comp, n_threads in variants:
            steps = args.steps if dev == "cpu" else args.steps * 5
            warmup = args.warmup if not comp else args.warmup + 3  # compilation happens here
            r = row_in_fresh_process(name, dev, amp, comp, steps, warmup, n_threads)
            print(
                f"| {name} | {label} | {r['batch']} | {r['s_per_step']:.3f} | {r['best_s']:.3f} "
                f"| {r['batch'] / r['s_per_step']:.1f} | {r['peak_mb']:.0f} | {gflop:.1f} "
                f"| {gflop / r['s_per_step']:.0f} |",
                flush=True,
            )


@torch.no_grad()
def fvd_now(ema: EMA, real_a, real_b, n: int, num_classes: int, device) -> tuple[float, float]:
    """FVD proxy of the EMA generator against ``real_a``, and the floor ``real_a`` vs ``real_b``."""
    from vidgen_edu.metrics import fvd_proxy

    g = ema.shadow
    labels = real_a.labels if num_classes else None
    fake = g.sample(n, labels=labels, generator=torch.Generator(device).manual_seed(1))
    real = real_a.video.float().cpu()
    return fvd_proxy(fake.float().cpu(), real), fvd_proxy(real_b.video.float().cpu(), real)


def to_threshold(args) -> None:
    """Train until the FVD proxy falls below ``args.to_threshold``; print the trajectory."""
    torch.set_num_threads(int(str(args.threads).split(",")[0]))
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    parts = build(args.config, device, amp=True, compile=False, ema_decay=args.ema_decay)
    model, ema, ds = parts[0], parts[1], parts[3]
    real_a = ds.sample(args.n, seed=10_001, device=device)
    real_b = ds.sample(args.n, seed=10_002, device=device)
    print(
        f"config {args.config} on {device}: threshold {args.to_threshold}, N = {args.n}, "
        f"EMA decay {args.ema_decay}, evaluated every {args.eval_every} steps\n"
    )
    print("| step | train seconds | FVD proxy | real-vs-real floor |\n|---:|---:|---:|---:|")
    train_s, step, fvd = 0.0, 0, float("inf")
    while step < args.max_steps:
        sync(device)
        t0 = time.perf_counter()
        for _ in range(args.eval_every):
            one_step(parts, step, device)
            step += 1
        sync(device)
        train_s += time.perf_counter() - t0
        fvd, floor = fvd_now(ema, real_a, real_b, args.n, model.config.num_classes, device)
        print(f"| {step} | {train_s:.1f} | {fvd:.1f} | {floor:.1f} |", flush=True)
        if fvd < args.to_threshold:
            break
    reached = "reached" if fvd < args.to_threshold else "NOT reached"
    print(
        f"\nthreshold {args.to_threshold} {reached}: {step} steps, {train_s:.1f} s of training "
        f"({train_s / step:.3f} s/step)"
    )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--configs", default="pretrained,small", help="speed mode: comma-separated")
    p.add_argument("--steps", type=int, default=6, help="timed steps per row (x5 on CUDA)")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps before timing")
    p.add_argument("--threads", default="2", help="torch CPU threads; a list such as 2,1 adds rows")
    p.add_argument(
        "--to-threshold",
        type=float,
        default=None,
        metavar="F",
        help="train until the FVD proxy is below F instead of timing steps",
    )
    p.add_argument("--config", default="small", help="--to-threshold: which configuration")
    p.add_argument("--eval-every", type=int, default=25, help="--to-threshold: steps between evals")
    p.add_argument("--max-steps", type=int, default=1000, help="--to-threshold: give up after")
    p.add_argument("--n", type=int, default=128, help="--to-threshold: clips per FVD sample")
    p.add_argument(
        "--ema-decay",
        type=float,
        default=0.99,
        help="--to-threshold: EMA decay of the evaluated generator (0.999 would "
        "remember the initial weights for ~1,000 steps)",
    )
    args = p.parse_args(argv)
    if args.to_threshold is not None:
        to_threshold(args)
    else:
        speed_table(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
