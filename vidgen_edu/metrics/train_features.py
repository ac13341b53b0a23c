"""Train the FVD-proxy feature network on Moving Digits; the command that made the shipped weights.

    OMP_NUM_THREADS=1 python -m vidgen_edu.metrics.train_features --out PATH [--steps N] [--manifest M]

Each step draws a fresh batch of single-digit Moving Digits clips (a training seed per step, so
no clip is seen twice) at every native size in ``--sizes``, converted by ``features.prepare`` to
the network input; the loss is the sum of three cross-entropies: the digit class (from the clip
embedding, and from each frame's content feature) and the direction of motion (4 classes: the
signs of the digit's first displacement ``positions[:, 1] - positions[:, 0]`` along both axes;
clips without a whole-pixel step on an axis are left out). Accuracy is then measured on clips
drawn with held-out seeds (``HELD_OUT_SEED`` and up, never used for training). With
``--manifest`` the command records how the file was made, its sha256 and its accuracy under the
file's name in that manifest.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from vidgen_edu.assets import update_manifest

from .features import FeatureNet, FeatureNetConfig, prepare, save_feature_net

HELD_OUT_SEED = 1_000_000_000  # sample seeds at or above this are never used for training
IGNORE = -100  # motion label of a clip without a whole-pixel first step (F.cross_entropy's default)


def motion_labels(positions: torch.Tensor) -> torch.Tensor:
    """Direction class ``2 * [dy > 0] + [dx > 0]`` of the first digit's first displacement.

    ``positions``: ``(B, T, K, 2)`` top-left ``(y, x)`` in whole pixels. A clip whose digit does
    not move by a whole pixel along an axis in the first step has no defined direction: its
    label is ``IGNORE`` (skipped by the loss and by the accuracy).
    """
    step = positions[:, 1, 0] - positions[:, 0, 0]  # (B, 2) as (dy, dx)
    label = 2 * (step[:, 0] > 0).long() + (step[:, 1] > 0).long()
    return label.masked_fill((step == 0).any(dim=1), IGNORE).cpu()


def _dataset(size: int, frames: int):
    from vidgen_edu.data import MovingDigits

    return MovingDigits(size=size, frames=frames, digits=1)  # digit side 28/64 of the frame


def draw_batch(n: int, *, seed: int, sizes: tuple[int, ...], frames: int = 16):
    """``(x (B, 1, 16, 32, 32), digit labels (B,), motion labels (B,))``, ``n`` clips per size."""
    xs, digits, motions = [], [], []
    for i, size in enumerate(sizes):
        clips = _dataset(size, frames).sample(n, seed=seed * len(sizes) + i)
        xs.append(prepare(clips.video))
        digits.append(clips.labels.cpu())
        motions.append(motion_labels(clips.positions))
    return torch.cat(xs), torch.cat(digits), torch.cat(motions)


def clip_loss(
    net: FeatureNet, x: torch.Tensor, digit: torch.Tensor, motion: torch.Tensor
) -> torch.Tensor:
    """Cross-entropy of the digit and motion heads plus the per-frame digit head (mean over T)."""
    content, z = net.encode(x)  # (B, T, width), (B, D)
    frame_logits = net.frame_head(content)  # (B, T, classes)
    frame_digit = digit[:, None].expand(-1, content.shape[1])  # (B, T)
    return (
        F.cross_entropy(net.digit_head(z), digit)
        + F.cross_entropy(net.motion_head(z), motion)
        + F.cross_entropy(frame_logits.flatten(0, 1), frame_digit.flatten())
    )


def train_feature_net(
    *,
    steps: int = 1000,
    batch_size: int = 16,
    lr: float = 3e-3,
    sizes: tuple[int, ...] = (64, 32),
    seed: int = 0,
    log_every: int = 100,
    config: FeatureNetConfig | None = None,
) -> FeatureNet:
    """Train a fresh :class:`FeatureNet` with AdamW and a cosine learning rate; return it in eval mode."""
    torch.manual_seed(seed)
    net = FeatureNet(config or FeatureNetConfig())
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    net.train()
    for step in range(steps):
        x, digit, motion = draw_batch(batch_size, seed=seed * steps + step, sizes=sizes)
        loss = clip_loss(net, x, digit, motion)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if log_every and (step % log_every == 0 or step == steps - 1):
            print(f"step {step:5d}  loss {loss.item():.4f}", file=sys.stderr, flush=True)
    return net.eval()


@torch.no_grad()
def measure_accuracy(
    net: FeatureNet, *, n: int = 500, sizes: tuple[int, ...] = (64, 32), seed: int = HELD_OUT_SEED
) -> dict:
    """Digit and motion accuracy on ``n`` clips per size drawn with held-out seeds."""
    x, digit, motion = draw_batch(n, seed=seed, sizes=sizes)
    _, digit_logits, motion_logits = net.eval()(x)
    known = motion != IGNORE
    return {
        "digit": float((digit_logits.argmax(1) == digit).float().mean()),
        "motion": float((motion_logits.argmax(1) == motion)[known].float().mean()),
        "n": int(x.shape[0]),
        "n_motion": int(known.sum()),
    }


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m vidgen_edu.metrics.train_features", description=__doc__.splitlines()[0]
    )
    p.add_argument("--out", required=True, help="where to write the weights (.pt)")
    p.add_argument("--steps", type=int, default=1000, help="optimizer steps (default 1000)")
    p.add_argument("--batch-size", type=int, default=16, help="clips per native size per step")
    p.add_argument("--lr", type=float, default=3e-3, help="peak learning rate of AdamW")
    p.add_argument("--sizes", default="64,32", help="native Moving Digits sizes, comma-separated")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and the training clips")
    p.add_argument(
        "--eval-n", type=int, default=500, help="held-out clips per size for the accuracy"
    )
    p.add_argument("--manifest", help="record command, sha256 and accuracy in this manifest.json")
    args = p.parse_args(argv)
    if args.steps < 1 or args.batch_size < 1 or args.eval_n < 1:
        p.error(
            f"--steps, --batch-size and --eval-n must be >= 1, got {args.steps}, {args.batch_size}, {args.eval_n}"
        )
    try:
        args.sizes = tuple(int(s) for s in args.sizes.split(","))
    except ValueError:
        p.error(f"--sizes must be frame sizes separated by commas, e.g. 64,32; got {args.sizes!r}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    sizes = args.sizes
    start = time.perf_counter()
    net = train_feature_net(
        steps=args.steps, batch_size=args.batch_size, lr=args.lr, sizes=sizes, seed=args.seed
    )
    train_s = time.perf_counter() - start
    accuracy = measure_accuracy(net, n=args.eval_n, sizes=sizes)
    command = "OMP_NUM_THREADS=1 python -m vidgen_edu.metrics.train_features " + shlex.join(
        sys.argv[1:] if argv is None else argv
    )
    meta = {
        "command": command,
        "dataset": {
            "name": "moving-digits",
            "digits": 1,
            "frames": 16,
            "sizes": list(sizes),
            "digit_size": {str(s): _dataset(s, 16).digit_size for s in sizes},
            "speed": list(_dataset(sizes[0], 16).speed),
            "train_sample_seeds": f"< {(args.seed + 1) * args.steps * len(sizes)}",
            "held_out_sample_seeds": f">= {HELD_OUT_SEED * len(sizes)}",
        },
        "steps": args.steps,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "seed": args.seed,
        "accuracy": accuracy,
        "train_seconds": round(train_s, 1),
        "torch": str(torch.__version__),
    }
    sha = save_feature_net(net, args.out, meta=meta)
    if args.manifest:
        update_manifest(Path(args.manifest), Path(args.out).name, {"sha256": sha, **meta})
    print(
        json.dumps(
            {
                "out": str(args.out),
                "sha256": sha,
                "accuracy": accuracy,
                "train_seconds": round(train_s, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
