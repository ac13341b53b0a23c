"""What privacy costs per discriminator step: time and peak memory, private against non-private.

    .venv/bin/python benchmarks/dp_overhead.py            # a markdown table
    .venv/bin/python benchmarks/dp_overhead.py --json     # one JSON object (the library's mode)

The discriminator of ``dp-train --profile cpu`` (32x32 clips, 16 frames, a window of 8, GroupNorm,
class-conditional), 16 real and 16 generated clips per step. Rows:

- ``non-private``: real and fake through the discriminator, one backward, Adam;
- ``ours (MODE)``: the library's private step (``privacy.dpgan``): per-sample gradients of the real
  half only with Opacus's engine MODE, clipped and noised; the fake half's ordinary gradient;
- ``opacus-style (hooks)``: real and fake in one private batch (what Opacus's DCGAN example does,
  with Bie et al.'s single forward): every fake is clipped and noised too.

The ``+ fakes`` rows time the step as training runs it, with the generator making the fake batch
anew each step (the same cost in both). Each row runs in its own process (so its memory is its
own), twice, in alternating order; the faster of the two medians is kept, which damps the load of
other processes. Memory: the growth of the resident set during the steps, and the process's peak
resident set (the memory ratio is of the peaks). The ratios are the row's over its non-private
row's, measured in the same invocation.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time

MODES = ("hooks", "functorch", "ew", "ghost")
ROWS = ("non-private", *(f"ours ({m})" for m in MODES), "opacus-style (hooks)")
SAMPLING = ("non-private + fakes", "ours (ghost) + fakes")  # the step as training runs it


def build(mode: str):
    """The cpu profile's private GAN (``PrivateVideoGAN``) with Opacus engine ``mode``."""
    import torch

    from vidgen_edu.privacy.dpgan import PrivateVideoGAN
    from vidgen_edu.privacy.train import calibrated, private_run

    run = calibrated(private_run("cpu", 3.0, 1e-5, [f"privacy.grad_sample_mode={mode}"]))
    data = run.data.make(seed=0)
    torch.manual_seed(0)
    model = PrivateVideoGAN(run.model, data, run.privacy, batch=run.train.batch)
    return model, data, run


def step_fn(row: str):
    """A function doing one discriminator step of ``row`` on fixed real and fake batches."""
    import torch

    from vidgen_edu.models.layers import pick_window

    with_fakes = row.endswith(" + fakes")
    row = row.removesuffix(" + fakes")
    mode = row[row.index("(") + 1 : -1] if "(" in row else "hooks"
    model, data, run = build(mode)
    gen = torch.Generator().manual_seed(0)
    real = data.take(torch.arange(run.train.batch))
    fake, fake_labels = model.fake_batch(run.train.batch, gen)
    opt = model.configure_optimizers(run.train)["d"]
    d = model.discriminators["video"]

    def window(video):
        return pick_window(video, run.model.d_frames, gen)

    def non_private():
        with model.hooks_off():
            loss = torch.relu(1 - d(window(real.video), real.labels)).mean()
            loss = loss + torch.relu(1 + d(window(fake), fake_labels)).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
        opt.step()
        model.clear_grads()

    def ours():
        noisy, _ = model.private_real_gradient(real, gen)
        fake_grads, _ = model.fake_gradient(fake, fake_labels, gen)
        for p, a, b in zip(model.d_params(), noisy, fake_grads, strict=True):
            p.grad = a + b
        opt.step()
        model.clear_grads()

    both = type(real)(torch.cat([real.video, fake]), torch.cat([real.labels, fake_labels]))

    def opacus_style():  # every clip of the joint batch clipped and noised
        noisy, _ = model.private_real_gradient(both, gen)  # hinge on reals only: same cost
        for p, a in zip(model.d_params(), noisy, strict=True):
            p.grad = a
        opt.step()
        model.clear_grads()

    step = non_private if row == "non-private" else opacus_style if "opacus" in row else ours

    def step_with_fakes():  # the generator's fakes are made anew each step, as in training
        nonlocal fake
        fake, _ = model.fake_batch(run.train.batch, gen)
        step()

    return step_with_fakes if with_fakes else step


def measure(row: str, steps: int) -> dict:
    """Median step time and peak memory growth of ``row`` (in this process)."""
    from vidgen_edu.threads import torch_threads

    with torch_threads(1):
        try:
            step = step_fn(row)
            for _ in range(3):  # warm-up: allocator, hooks, lazy initialisation
                step()
        except RuntimeError as err:
            return {"row": row, "error": str(err).splitlines()[0][:90]}
        times = []
        with PeakRSS() as peak:
            for _ in range(steps):
                start = time.perf_counter()
                step()
                times.append(time.perf_counter() - start)
    return {
        "row": row,
        "time_s": statistics.median(times),
        "peak_mb": peak.growth / 2**20,
        "peak_rss_mb": peak.peak / 2**20,
    }


class PeakRSS:
    """The largest growth of this process's resident memory while the block runs (1 ms polls)."""

    def __enter__(self):
        import psutil

        self.process, self.stop = psutil.Process(), threading.Event()
        self.before = self.peak = self.process.memory_info().rss
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()
        return self

    def _poll(self):
        while not self.stop.wait(0.001):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.growth = self.peak - self.before


def run_rows(steps: int) -> dict[str, dict]:
    """Each row in its own process, twice in alternating order; the faster median is kept."""
    results: dict[str, dict] = {}
    rows = ROWS + SAMPLING
    for order in (rows, rows[::-1]):
        for row in order:
            out = subprocess.run(
                [sys.executable, __file__, "--row", row, "--steps", str(steps)],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            old = results.get(row)
            if old is None or ("time_s" in r and r["time_s"] < old.get("time_s", float("inf"))):
                results[row] = r
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--row", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.row:
        print(json.dumps(measure(args.row, args.steps)))
        return
    from vidgen_edu.training.config import PrivacyConfig

    results = run_rows(args.steps)
    base = results["non-private"]
    for name, r in results.items():
        if "time_s" in r:
            b = results["non-private + fakes"] if name.endswith("+ fakes") else base
            r["time_ratio"] = r["time_s"] / b["time_s"]
            r["memory_ratio"] = r["peak_rss_mb"] / b["peak_rss_mb"]
    mode = PrivacyConfig().grad_sample_mode
    used = results[f"ours ({mode})"]
    if args.json:
        summary = {"mode": mode, "time_ratio": used["time_ratio"]}
        summary["memory_ratio"] = used["memory_ratio"]
        summary["time_ratio_with_fakes"] = results[f"ours ({mode}) + fakes"]["time_ratio"]
        print(json.dumps({**summary, "rows": list(results.values())}))
        return
    print(
        "| discriminator step | ms | time ratio | memory growth MB | peak RSS MB | memory ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for row in ROWS + SAMPLING:
        r = results[row]
        if "error" in r:
            print(f"| {row} | - | - | - | - | fails: {r['error']} |")
            continue
        print(
            f"| {row} | {1000 * r['time_s']:.0f} | {r['time_ratio']:.2f}x | {r['peak_mb']:.0f} | "
            f"{r['peak_rss_mb']:.0f} | {r['memory_ratio']:.2f}x |"
        )


if __name__ == "__main__":
    main()
