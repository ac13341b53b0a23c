"""Thread collapse: seconds per training step, idle and with one core busy, by OpenMP wait policy.

    .venv/bin/python benchmarks/threads.py [--workload gan|library] [--steps 5] [--warmup 2]

What it measures: the median time of one GAN training step with 1 and 2 torch threads, on an idle
machine and while one ``yes >/dev/null`` keeps a core busy, under two OpenMP wait policies. The
step is ``--workload gan`` (default): a self-contained MoCoGAN-shaped step at the size of the
shipped model (GRU motion codes, a 2-D transposed-conv frame generator, a Conv3d video
discriminator on 16 frames of 32x32, batch 16, Adam, hinge loss), so the table does not move when
the library does; or ``--workload library``: the library's own step in the ``pretrained``
configuration, through ``benchmarks/train.py``. The policies:

- ``default``: ``OMP_WAIT_POLICY`` unset and torch imported first, as a notebook does when it is
  run by a plain ``jupyter lab`` (``vidgen_edu`` sets the variable, but after libgomp has read it).
- ``PASSIVE``: the variable set before torch loads, as ``import vidgen_edu`` first, the course
  runner's kernels, ``make`` and ``binder/start`` do.

Why it matters (FIELD-NOTES, "Thread collapse"): torch's CPU kernels run in OpenMP parallel
regions. At the end of each region GNU OpenMP's threads spin for a while before they sleep. When
one of the two threads has no core of its own (another process holds it), the other spins on the
only free core while the one it waits for queues behind the other process for its time slice;
a step of thousands of small regions becomes many times slower. ``PASSIVE`` makes waiting threads
sleep at once, so the free core goes to whichever thread has work.

Each row runs in a fresh interpreter (the policy is read once, when libgomp loads). Timings move
with whatever else runs on the machine: the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

POLICIES = ("default", "PASSIVE")  # default: OMP_WAIT_POLICY unset when torch loads


def gan_step_fn():
    """A MoCoGAN-shaped training step (one D update, one G update) as a function of the step."""
    import torch
    from torch import nn

    batch, frames, size, width, z = 16, 16, 32, 32, 64
    gru = nn.GRUCell(z, z)
    frame_g = nn.Sequential(  # one frame from a code: (B*T, z, 1, 1) -> (B*T, 1, 32, 32)
        nn.ConvTranspose2d(z, width * 4, 4),  # (B*T, 4w, 4, 4)
        nn.BatchNorm2d(width * 4),
        nn.ReLU(),
        nn.ConvTranspose2d(width * 4, width * 2, 4, 2, 1),  # (B*T, 2w, 8, 8)
        nn.BatchNorm2d(width * 2),
        nn.ReLU(),
        nn.ConvTranspose2d(width * 2, width, 4, 2, 1),  # (B*T, w, 16, 16)
        nn.BatchNorm2d(width),
        nn.ReLU(),
        nn.ConvTranspose2d(width, 1, 4, 2, 1),  # (B*T, 1, 32, 32)
        nn.Tanh(),
    )
    video_d = nn.Sequential(  # (B, 1, T, H, W) -> (B, 1)
        nn.Conv3d(1, width, 4, 2, 1),  # (B, w, 8, 16, 16)
        nn.LeakyReLU(0.2),
        nn.Conv3d(width, width * 2, 4, 2, 1),  # (B, 2w, 4, 8, 8)
        nn.LeakyReLU(0.2),
        nn.Conv3d(width * 2, width * 4, 4, 2, 1),  # (B, 4w, 2, 4, 4)
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(width * 4 * 2 * 4 * 4, 1),
    )
    opt_g = torch.optim.Adam([*gru.parameters(), *frame_g.parameters()], 2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(video_d.parameters(), 2e-4, betas=(0.5, 0.999))
    real = torch.rand(batch, 1, frames, size, size) * 2 - 1  # (B, C, T, H, W)

    def generate():
        content, h, codes = torch.randn(batch, z), torch.zeros(batch, z), []
        for _ in range(frames):
            h = gru(torch.randn(batch, z), h)
            codes.append(content + h)
        x = frame_g(torch.stack(codes, 1).reshape(batch * frames, z, 1, 1))  # (B*T, 1, H, W)
        return x.reshape(batch, frames, 1, size, size).transpose(1, 2)  # (B, C, T, H, W)

    def step(k: int) -> None:
        torch.manual_seed(k)
        fake = generate()
        loss_d = (
            torch.relu(1 - video_d(real)).mean() + torch.relu(1 + video_d(fake.detach())).mean()
        )
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = -video_d(fake).mean()
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()

    return step


def library_step_fn():
    """The library's training step, ``pretrained`` configuration (see benchmarks/train.py)."""
    import torch

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from train import build, one_step

    device = torch.device("cpu")
    parts = build("pretrained", device, amp=False, compile=False)
    return lambda k: one_step(parts, k, device)


def child(args) -> None:
    """One row: time ``args.steps`` training steps in this process and print them as JSON."""
    import torch  # first, as the notebooks do: libgomp reads OMP_WAIT_POLICY now

    torch.set_num_threads(args.threads)
    step = gan_step_fn() if args.workload == "gan" else library_step_fn()
    for k in range(args.warmup):
        step(k)
    times = []
    for k in range(args.warmup, args.warmup + args.steps):
        t0 = time.perf_counter()
        step(k)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"median": statistics.median(times), "best": min(times)}))


def run_cell(args, policy: str, threads: int, busy: bool) -> float:
    """The smallest of ``args.repeats`` rows' medians: the run least disturbed by other work."""
    return min(run_row(args, policy, threads, busy)["median"] for _ in range(args.repeats))


def run_row(args, policy: str, threads: int, busy: bool) -> dict:
    """A child process for one (policy, threads, load) cell; ``busy`` starts one ``yes``."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS")}
    if policy != "default":
        env["OMP_WAIT_POLICY"] = policy
    command = [
        sys.executable,
        __file__,
        "--child",
        "--threads",
        str(threads),
        "--workload",
        args.workload,
        "--steps",
        str(args.steps),
        "--warmup",
        str(args.warmup),
    ]
    competitor = subprocess.Popen(["yes"], stdout=subprocess.DEVNULL) if busy else None
    try:
        out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    finally:
        if competitor is not None:
            competitor.kill()
            competitor.wait()
    return json.loads(out.stdout.strip().splitlines()[-1])


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def table(args) -> None:
    print(f"Before: {load()}\n")
    print(
        f"workload `{args.workload}`: median of {args.steps} steps after {args.warmup} warm-up "
        f"steps, the smaller of {args.repeats} runs\n"
    )
    print("| OMP_WAIT_POLICY | torch threads | idle s/step | one core busy s/step | busy / idle |")
    print("|---|---:|---:|---:|---:|")
    for policy in POLICIES:
        for threads in (1, 2):
            idle = run_cell(args, policy, threads, busy=False)
            busy = run_cell(args, policy, threads, busy=True)
            print(
                f"| {policy} | {threads} | {idle:.3f} | {busy:.3f} | {busy / idle:.1f}x |",
                flush=True,
            )
    print(f"\nAfter: {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workload",
        choices=("gan", "library"),
        default="gan",
        help="gan: the self-contained step; library: vidgen_edu's own step",
    )
    parser.add_argument("--steps", type=int, default=5, help="timed steps per row")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps per row")
    parser.add_argument("--repeats", type=int, default=2, help="runs per cell (the fastest counts)")
    parser.add_argument("--threads", type=int, default=2, help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    child(args) if args.child else table(args)


if __name__ == "__main__":
    main()
