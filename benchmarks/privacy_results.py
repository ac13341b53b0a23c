"""The measurements notebook 06 reads: the utility-privacy curve, the membership audit, the overhead.

    .venv/bin/python benchmarks/privacy_results.py --part utility --runs runs/privacy
    .venv/bin/python benchmarks/privacy_results.py --part audit --runs runs/privacy
    .venv/bin/python benchmarks/privacy_results.py --part overhead

Each part trains (or reuses, when ``RUNS/NAME`` already holds a finished run) real runs with the
``vidgen-edu`` command, scores them with ``evaluate`` / ``audit``, prints a markdown table and
merges its results into ``vidgen_edu/assets/privacy_results.json`` (atomically), with the
command that produced them:

- ``utility``: the private GAN at several target epsilons and the same GAN without privacy (same
  fixed set of 1,000 clips, same architecture, steps and batch): FVD proxy with its real floor,
  ACD, class accuracy (``evaluate --n 256``) and training CPU-seconds.
- ``audit``: the overfit setting (64 clips, logistic loss, 3,000 steps at 16x16x8), without DP
  and with DP at epsilon 3: LOGAN and GAN-Leaks (``audit --json``).
- ``overhead``: ``benchmarks/dp_overhead.py --json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "vidgen_edu" / "assets" / "privacy_results.json"
CLI = [sys.executable, "-m", "vidgen_edu"]
PRIVATE_ARCH = [  # what dp-train sets; the non-private twin sets it too
    "model.private=True",
    "model.spectral_norm=False",
    "model.d_image_frames=0",
    "model.num_classes=10",
    "data.digits=1",
]
QUIET = ["train.sample_every=0", "train.log_every=50", "--no-progress"]


def sets(settings: list[str]) -> list[str]:
    out = []
    for s in settings:
        out += [s] if s.startswith("--") else ["--set", s]
    return out


def finished(run_dir: Path, steps: int) -> bool:
    """Whether ``run_dir`` already holds a run that reached ``steps``."""
    log = run_dir / "metrics.jsonl"
    if not (run_dir / "last.pt").exists() or not log.exists():
        return False
    last = json.loads(log.read_text().splitlines()[-1])
    return last.get("step") == steps


def train(run_dir: Path, epsilon: float | None, profile: str, steps: int, settings: list[str]):
    """Train (or reuse) one run; return the CPU-seconds its process used (None if reused)."""
    if finished(run_dir, steps):
        return None
    if epsilon is None:
        cmd = [*CLI, "train", "--profile", profile, "--steps", str(steps)]
        cmd += sets([*PRIVATE_ARCH, *settings, *QUIET])
    else:
        cmd = [*CLI, "dp-train", "--target-epsilon", str(epsilon), "--profile", profile]
        cmd += ["--steps", str(steps), *sets([*settings, *QUIET])]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([*cmd, "--out", str(run_dir)], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cli_json(*args: str) -> dict:
    out = subprocess.run([*CLI, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def utility(runs: Path, steps: int, batch: int, epsilons) -> list[dict]:
    rows = []
    for eps in epsilons:
        name = "nonprivate" if eps is None else f"eps{eps:g}"
        run_dir = runs / f"utility_{name}_{steps}"
        settings = ["data.clips=1000", f"train.batch={batch}", "train.checkpoint_every=100"]
        cpu = train(run_dir, eps, "cpu", steps, settings)
        if cpu is None:
            cpu = json.loads((run_dir / "cpu_seconds.json").read_text())["cpu_s"]
        (run_dir / "cpu_seconds.json").write_text(json.dumps({"cpu_s": cpu}) + "\n")
        score = cli_json("evaluate", "--checkpoint", str(run_dir), "--n", "256", "--json")
        rows.append(
            {
                "epsilon": eps,
                "steps": steps,
                "batch": batch,
                "train_cpu_s": round(cpu, 1),
                **{
                    k: score[k]
                    for k in ("fvd_proxy", "real_floor", "acd", "acd_real", "class_accuracy", "n")
                },
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def audit(runs: Path) -> list[dict]:
    settings = [
        "data.clips=64",
        "train.loss=nonsat",
        "model.ndf=32",
        "train.batch=16",
        "train.checkpoint_every=500",
    ]
    rows = []
    for eps in (None, 3.0):
        name = "np64" if eps is None else f"dp64_eps{eps:g}"
        train(runs / name, eps, "smoke", 3000, settings)
        result = cli_json("audit", "--checkpoint", str(runs / name), "--n", "64", "--json")
        keep = ("attack", "auc", "auc_ci", "tpr_at_1pct_fpr", "epsilon_lower_bound_ci")
        rows.append(
            {
                "setting": "no privacy" if eps is None else f"DP, target epsilon {eps:g}",
                "private": eps is not None,
                "target_epsilon": eps,
                "clips": 64,
                "steps": 3000,
                "attacks": [{k: a[k] for k in keep} for a in result["attacks"]],
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def merge(part: str, value) -> None:
    from vidgen_edu.files import write_text_atomic

    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if part == "utility":  # rows of other run lengths stay; a rerun replaces its own rows
        ours = {(r["epsilon"], r["steps"]) for r in value}
        value = [r for r in data.get(part, []) if (r["epsilon"], r["steps"]) not in ours] + value
        value.sort(key=lambda r: (r["steps"], r["epsilon"] is None, r["epsilon"] or 0))
    data[part] = value
    command = "python benchmarks/privacy_results.py " + " ".join(sys.argv[1:])
    commands = data.setdefault("commands", {}).setdefault(part, [])
    if isinstance(commands, str):  # an older file: one command per part
        commands = data["commands"][part] = [commands]
    if command not in commands:
        commands.append(command)
    data["command"] = "python benchmarks/privacy_results.py --part utility|audit|overhead"
    data["measured"] = datetime.date.today().isoformat()
    write_text_atomic(RESULTS, json.dumps(data, indent=1) + "\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--part", choices=("utility", "audit", "overhead"), required=True)
    p.add_argument("--runs", type=Path, default=ROOT / "runs" / "privacy")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--epsilons", default="1,3,10,none")
    args = p.parse_args()
    args.runs.mkdir(parents=True, exist_ok=True)
    if args.part == "utility":
        eps = [None if e == "none" else float(e) for e in args.epsilons.split(",")]
        rows = utility(args.runs, args.steps, args.batch, eps)
        print(
            "| epsilon | FVD proxy | floor | ACD | class acc. | CPU-s |\n|---|---:|---:|---:|---:|---:|"
        )
        for r in rows:
            print(
                f"| {r['epsilon'] or 'none'} | {r['fvd_proxy']:.2f} | {r['real_floor']:.2f} | "
                f"{r['acd']:.3f} | {r['class_accuracy']:.3f} | {r['train_cpu_s']:.0f} |"
            )
    elif args.part == "audit":
        rows = audit(args.runs)
    else:
        out = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "dp_overhead.py"), "--json"],
            check=True,
            capture_output=True,
            text=True,
        )
        rows = json.loads(out.stdout)
        print(json.dumps(rows))
    merge(args.part, rows)


if __name__ == "__main__":
    main()
