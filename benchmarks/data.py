"""How fast the synthetic datasets make clips: clips per second, as a markdown table.

    .venv/bin/python benchmarks/data.py [--repeats 7] [--device cpu]

Each row times ``sample(batch)`` after one warm-up call, ``repeats`` rounds that interleave the
rows, and reports the median (the machine may be shared, so the median is steadier than the mean),
the best run, the CPU time the process spent (all its threads; on an idle machine the wall
time is between CPU time / threads and CPU time), and the speed-up over a plain vectorized sketch doing the same work, timed in the
same rounds (so the ratio holds even when other jobs slow the machine down).
Runs with 2 torch threads on the CPU (the course's CI machine has 2 cores).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from vidgen_edu.data import BouncingShapes, MovingDigits
from vidgen_edu.data.bounce import random_trajectories
from vidgen_edu.data.digits import digit_templates


class IndexPutSketch:
    """Reference point: the plain vectorized sketch (one ``index_put_`` with accumulate of all
    digit pixels into a flat buffer, then clip), 2 digits of 28 px in 16x64x64 clips.
    Timed in the same run, so the ratio to it survives a busy machine."""

    def __init__(self, size=64, frames=16, digits=2, digit_size=28):
        self.size, self.frames, self.k, self.d = size, frames, digits, digit_size
        self.images = digit_templates(digit_size)[0]
        self.g = torch.Generator().manual_seed(0)

    def sample(self, n, device="cpu"):
        t, s, k, d = self.frames, self.size, self.k, self.d
        which = torch.randint(len(self.images), (n, k), generator=self.g)
        pos = random_trajectories(
            n, k, frames=t, limit=s - d, speed=(2.0, 6.0), generator=self.g
        ).long()  # (B, T, K, 2)
        ar = torch.arange(d)
        base = (torch.arange(n * t) * s * s).view(n, t, 1, 1, 1)
        y = pos[..., 0].view(n, t, k, 1, 1) + ar.view(1, 1, 1, d, 1)
        x = pos[..., 1].view(n, t, k, 1, 1) + ar.view(1, 1, 1, 1, d)
        flat = torch.zeros(n * t * s * s)
        values = self.images[which][:, None].expand(n, t, k, d, d).reshape(-1)
        flat.index_put_(((base + y * s + x).reshape(-1),), values, accumulate=True)
        return flat.clamp_(0, 1).mul_(2).sub_(1).view(n, 1, t, s, s)  # (B, C, T, H, W)


CASES = [  # (label, dataset factory, batch, same work as the baseline sketch?)
    ("baseline sketch: index_put accumulate, 2 digits 16x64x64", IndexPutSketch, 256, True),
    (
        "MovingDigits 2 digits 16x64x64",
        lambda: MovingDigits(size=64, frames=16, digits=2),
        256,
        True,
    ),
    (
        "MovingDigits 2 digits sum 16x64x64",
        lambda: MovingDigits(size=64, frames=16, digits=2, combine="sum"),
        256,
        True,
    ),
    (
        "MovingDigits 1 digit 16x32x32",
        lambda: MovingDigits(size=32, frames=16, digits=1),
        256,
        False,
    ),
    (
        "BouncingShapes 2 shapes 16x64x64 RGB",
        lambda: BouncingShapes(size=64, frames=16),
        256,
        False,
    ),
]


def timed(dataset, batch: int, device: str) -> tuple[float, float]:
    """Wall-clock and CPU seconds (all threads of this process) for one ``sample(batch)``."""
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    start, cpu = time.perf_counter(), time.process_time()
    dataset.sample(batch, device=device)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    datasets = [make() for _, make, _, _ in CASES]
    for ds, (_, _, batch, _) in zip(datasets, CASES, strict=True):
        timed(ds, batch, args.device)  # warm-up: caches, allocator
    times = [[] for _ in CASES]
    for _ in range(args.repeats):  # rounds interleave the cases, so load changes hit all alike
        for ds, (_, _, batch, _), row in zip(datasets, CASES, times, strict=True):
            row.append(timed(ds, batch, args.device))
    print(
        f"device {args.device}, {torch.get_num_threads()} threads, torch {torch.__version__}, "
        f"median of {args.repeats} interleaved rounds\n"
    )
    print(
        "| dataset | batch | median ms | clips/s (median) | clips/s (best) | CPU ms (median) "
        "| speed-up vs sketch |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    baseline = statistics.median(wall for wall, _ in times[0])
    for (label, _, batch, same), row in zip(CASES, times, strict=True):
        med = statistics.median(wall for wall, _ in row)
        best = min(wall for wall, _ in row)
        cpu = statistics.median(c for _, c in row)
        ratio = f"{baseline / med:.2f}x" if same else "-"
        print(
            f"| {label} | {batch} | {med * 1e3:.1f} | {batch / med:,.0f} | {batch / best:,.0f} "
            f"| {cpu * 1e3:.0f} | {ratio} |"
        )


if __name__ == "__main__":
    main()
