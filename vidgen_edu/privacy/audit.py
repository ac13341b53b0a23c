"""Audit a run for membership leakage: who was in its training set, as far as an attacker can tell.

A run trained on a fixed set (``data.clips``) knows its members exactly: the clips of
``FixedDigits``. Non-members are clips made the same way from held-out digits. Two attacks score
every clip (``membership.py``): LOGAN (white box: the discriminator's logit) and GAN-Leaks (black
box: the distance to the nearest of many generated clips). A run that leaks gives its members
higher scores: ROC AUC above 0.5, a TPR at 1% FPR above 1%, and a positive empirical lower bound
on epsilon. A DP run at budget epsilon must not show a lower bound above it.
"""

from __future__ import annotations

import torch

from vidgen_edu.errors import UsageError

from .membership import audit, gan_leaks_scores, logan_scores

ATTACKS = ("logan", "gan-leaks")
DEFAULT_DELTA = 1e-5  # for a non-private run, the delta of the bound it is compared against


def audit_sets(run, n: int):
    """``(members, non-members)``: ``n`` training clips of ``run`` and ``n`` held-out ones."""
    if not run.data.clips:
        raise UsageError(
            "this run trained on an endless stream of fresh clips, so it has no members to "
            "audit: audit a run trained on a fixed set (--set data.clips=N, or dp-train)"
        )
    data = run.data.make(seed=run.train.seed)
    n = min(n, len(data), len(data.held_out))
    members = data.take(torch.arange(n))
    return members, data.nonmembers(n, seed=1)


def load_model(checkpoint):
    """``(VideoGAN with its discriminators, EMA generator, RunConfig)`` from a checkpoint."""
    from vidgen_edu.models import build_model
    from vidgen_edu.training.checkpoint import load_checkpoint, load_state, resolve, run_config

    ckpt = load_checkpoint(checkpoint)
    run = run_config(ckpt)
    if run.model.name not in ("mocogan", "vgan"):
        raise UsageError(f"audit attacks a GAN (mocogan or vgan), not a {run.model.name} model")
    model = build_model(run.model)
    load_state(model, ckpt.get("model"), "model", resolve(checkpoint))
    generator = build_model(run.model).generator
    load_state(generator, ckpt.get("ema"), "ema", resolve(checkpoint))
    return model.eval(), generator.eval(), run


def run_audit(checkpoint, *, n: int = 500, n_generated: int = 1024, attacks=ATTACKS) -> dict:
    """Every attack on ``checkpoint``; the top level repeats the strongest one (highest AUC)."""
    model, generator, run = load_model(checkpoint)
    members, nonmembers = audit_sets(run, n)
    conditional = bool(run.model.num_classes)
    delta = run.privacy.delta if run.privacy.enabled else DEFAULT_DELTA
    results = []
    for attack in attacks:
        scores = []
        for clips in (members, nonmembers):
            labels = clips.labels if conditional else None
            if attack == "logan":
                scores.append(logan_scores(model, clips.video, labels))
            else:
                scores.append(
                    gan_leaks_scores(generator, clips.video, labels, n_generated=n_generated)
                )
        results.append(audit(*scores, attack=attack, delta=delta).to_dict())
    strongest = max(results, key=lambda r: r["auc"])
    return {
        **strongest,
        "attacks": results,
        "private": run.privacy.enabled,
        "target_epsilon": run.privacy.target_epsilon if run.privacy.enabled else None,
        "dataset_size": run.data.clips,
        "checkpoint": str(checkpoint),
    }
