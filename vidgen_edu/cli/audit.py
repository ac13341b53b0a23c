"""``vidgen-edu audit``: membership-inference attacks on a run trained on a fixed set, as JSON.

    vidgen-edu audit --checkpoint runs/private --json
    vidgen-edu audit --checkpoint runs/overfit --n 300 --attack logan

Prints ROC AUC (with its DeLong interval), the TPR at 1% FPR and the empirical lower bound on
epsilon of LOGAN (white box) and GAN-Leaks (black box); the top-level keys are the strongest
attack's. See ``vidgen_edu.privacy.audit``.
"""

from __future__ import annotations

import argparse
import json

from vidgen_edu.cli import int_in


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--checkpoint", required=True, help="a run folder or its last.pt")
    p.add_argument("--n", type=int_in(10, 1797), default=500, help="members and non-members each")
    p.add_argument(
        "--n-generated",
        type=int_in(1, 65536),
        default=1024,
        help="generated clips per class for GAN-Leaks (more = a stronger attack)",
    )
    p.add_argument("--attack", choices=("logan", "gan-leaks", "both"), default="both")
    p.add_argument("--json", action="store_true", help="print one JSON object (else a table)")


def run(args: argparse.Namespace) -> int:
    from vidgen_edu.privacy.audit import ATTACKS, run_audit

    attacks = ATTACKS if args.attack == "both" else (args.attack,)
    result = run_audit(args.checkpoint, n=args.n, n_generated=args.n_generated, attacks=attacks)
    if args.json:
        print(json.dumps(result, allow_nan=False))
        return 0
    print("| attack | AUC | 95% CI | TPR at 1% FPR | epsilon lower bound |")
    print("|---|---:|---|---:|---:|")
    for r in result["attacks"]:
        eps = r["epsilon_lower_bound_ci"]
        print(
            f"| {r['attack']} | {r['auc']:.3f} | [{r['auc_ci'][0]:.3f}, {r['auc_ci'][1]:.3f}] | "
            f"{r['tpr_at_1pct_fpr']:.3f} | {'inf' if eps is None else f'{eps:.2f}'} |"
        )
    return 0
