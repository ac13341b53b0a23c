"""Membership inference: can an attacker tell the clips a model was trained on from fresh ones?

An attack gives every clip a score (higher = more likely a member). The audit compares the scores
of members (training clips) with those of non-members (fresh clips from the same distribution):

- ``roc_auc`` and its DeLong confidence interval: how well the scores separate the two sets;
- ``tpr_at_fpr``: the members caught while almost no non-member is accused (Carlini et al. 2022,
  IEEE S&P, "Membership Inference Attacks From First Principles", argue this is the number that
  matters, not the AUC);
- ``epsilon_lower_bound``: an (epsilon, delta)-DP mechanism forces ``TPR <= e^eps FPR + delta``
  for every test (Kairouz, Oh, Viswanath 2015, ICML, "The Composition Theorem for Differential
  Privacy"), so a measured (TPR, FPR) pair shows ``eps >= ln((TPR - delta) / FPR)`` (Jagielski,
  Ullman, Oprea 2020, NeurIPS, "Auditing Differentially Private Machine Learning"; Nasr et al.
  2021, IEEE S&P, "Adversary Instantiation").

Two attacks on the course's GANs produce the scores:

- ``logan_scores``: white-box, the discriminator's logit (Hayes, Melis, Danezis, De Cristofaro
  2019, PoPETs, "LOGAN"): an overfitted D scores its training clips higher;
- ``gan_leaks_scores``: black-box, minus the distance to the nearest generated clip (Chen, Yu,
  Zhang, Fritz 2020, ACM CCS, "GAN-Leaks"): a generator that memorised a clip reproduces it.

``audit`` turns two score sets into an ``AuditResult`` for ``vidgen-edu audit --json``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import torch
from scipy import stats
from torch import nn

from vidgen_edu.errors import UsageError
from vidgen_edu.models.discriminators import ImageDiscriminator

TARGET_FPR = 0.01  # the false-positive rate of ``AuditResult.tpr_at_1pct_fpr``

# -- statistics -------------------------------------------------------------------------------


def as_scores(name: str, scores) -> np.ndarray:
    """``scores`` (tensor, array or list) as a 1-D float64 array, checked: at least one, finite."""
    if isinstance(scores, torch.Tensor):
        scores = scores.detach().cpu().double().numpy()
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 1 or scores.size == 0:
        raise UsageError(f"{name} must be a non-empty 1-D list of scores, got shape {scores.shape}")
    if not np.isfinite(scores).all():
        raise UsageError(f"{name} holds NaN or infinite scores: did the model diverge?")
    return scores


def midranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``x``, tied values sharing the mean of their ranks.

    >>> midranks(np.array([5.0, 1.0, 5.0, 7.0])).tolist()
    [2.5, 1.0, 2.5, 4.0]
    """
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    last = np.cumsum(counts)  # rank of the last copy of each distinct value
    return (last - (counts - 1) / 2)[inverse]


def placements(member_scores, nonmember_scores) -> tuple[np.ndarray, np.ndarray]:
    """DeLong's structural components, from midranks (Sun & Xu 2014, IEEE Signal Proc. Letters).

    ``v10[i]``: the fraction of non-members that member i beats (a tie counts 1/2);
    ``v01[j]``: the fraction of members that beat non-member j. Both average to the AUC.
    """
    m = as_scores("member_scores", member_scores)
    n = as_scores("nonmember_scores", nonmember_scores)
    both = midranks(np.concatenate([m, n]))
    v10 = (both[: len(m)] - midranks(m)) / len(n)
    v01 = 1 - (both[len(m) :] - midranks(n)) / len(m)
    return v10, v01


def roc_auc(member_scores, nonmember_scores) -> float:
    """Area under the ROC curve: P(member score > non-member score) + 1/2 P(tie).

    The Mann-Whitney U statistic divided by n_members * n_nonmembers (Hanley & McNeil 1982,
    Radiology): 1 when every member outscores every non-member, 0.5 for a coin flip.
    """
    v10, _ = placements(member_scores, nonmember_scores)
    return float(v10.mean())


def roc_auc_ci(member_scores, nonmember_scores, *, confidence: float = 0.95) -> tuple[float, float]:
    """Two-sided ``confidence`` interval of the AUC by DeLong's method, clipped to [0, 1].

    DeLong, DeLong, Clarke-Pearson 1988 (Biometrics, "Comparing the areas under two or more
    correlated receiver operating characteristic curves"): ``Var(AUC) = s10 / m + s01 / n`` with
    ``s10``, ``s01`` the sample variances of the placements; then a normal interval. With perfectly
    separated scores the variance estimate is 0 and the interval shrinks to [1, 1]: read it then
    as "no overlap seen in m x n pairs", not as certainty.
    """
    v10, v01 = placements(member_scores, nonmember_scores)
    if len(v10) < 2 or len(v01) < 2:
        raise UsageError("a confidence interval needs at least 2 members and 2 non-members")
    auc = v10.mean()
    se = math.sqrt(v10.var(ddof=1) / len(v10) + v01.var(ddof=1) / len(v01))
    z = stats.norm.ppf((1 + confidence) / 2)
    return float(max(0.0, auc - z * se)), float(min(1.0, auc + z * se))


@dataclass(frozen=True)
class RocPoint:
    """One threshold of the rule "member if score > threshold", and what it does on both sets."""

    threshold: float
    true_positives: int  # members scored above the threshold
    false_positives: int  # non-members scored above the threshold
    n_members: int
    n_nonmembers: int

    @property
    def tpr(self) -> float:
        return self.true_positives / self.n_members

    @property
    def fpr(self) -> float:
        return self.false_positives / self.n_nonmembers


def roc_point(member_scores, nonmember_scores, *, fpr: float = TARGET_FPR) -> RocPoint:
    """The threshold with the most true positives whose FPR on the non-members is ``<= fpr``.

    With ``n`` non-members, FPRs come in steps of ``1/n``: at most ``k = floor(fpr * n)`` of them
    may be accused, so the threshold is the (k+1)-th highest non-member score (ties included: a
    score equal to the threshold is not accused, neither member nor non-member). When
    ``fpr < 1/n`` the rule accuses no non-member at all and the FPR reached is 0, not ``fpr``:
    measuring a 1% FPR needs at least 100 non-members. The threshold is read off the non-members
    only, never tuned on the members. For continuous scores the true FPR of this order statistic
    follows Beta(k+1, n-k), exactly the distribution behind the Clopper-Pearson upper bound at k
    false positives, so that bound stays valid although the same non-members chose the threshold.
    """
    if not 0 <= fpr <= 1:
        raise UsageError(f"fpr must be in [0, 1], got {fpr}")
    m = as_scores("member_scores", member_scores)
    n = as_scores("nonmember_scores", nonmember_scores)
    k = math.floor(fpr * len(n) + 1e-9)  # accusations allowed (1e-9: 0.29 * 100 is 28.999...)
    threshold = -math.inf if k >= len(n) else float(np.sort(n)[::-1][k])
    return RocPoint(
        threshold, int((m > threshold).sum()), int((n > threshold).sum()), len(m), len(n)
    )


def tpr_at_fpr(member_scores, nonmember_scores, fpr: float = TARGET_FPR) -> float:
    """The true-positive rate at the best threshold whose FPR is ``<= fpr`` (see ``roc_point``)."""
    return roc_point(member_scores, nonmember_scores, fpr=fpr).tpr


def clopper_pearson(k: int, n: int, *, confidence: float) -> tuple[float, float]:
    """One-sided ``confidence`` bounds (lower, upper) of a rate seen as ``k`` successes in ``n``.

    Clopper & Pearson 1934 (Biometrika): exact binomial bounds from Beta quantiles; the lower one
    is 0 when ``k = 0``, the upper one 1 when ``k = n``.
    """
    lower = 0.0 if k == 0 else stats.beta.ppf(1 - confidence, k, n - k + 1)
    upper = 1.0 if k == n else stats.beta.ppf(confidence, k + 1, n - k)
    return float(lower), float(upper)


def count_of(name: str, rate: float, n: int) -> int:
    """The count behind a measured ``rate`` over ``n`` trials (the bounds need whole counts)."""
    k = round(rate * n)
    if not 0 <= rate <= 1 or abs(k - rate * n) > 1e-6:
        raise UsageError(f"{name}={rate} is not a count over {n} clips: pass the measured rate")
    return k


def epsilon_lower_bound(
    tpr: float,
    fpr: float,
    delta: float,
    n_members: int,
    n_nonmembers: int,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """``(point, lower)``: the epsilon that a measured (TPR, FPR) shows, clamped at 0.

    ``point = ln((TPR - delta) / FPR)`` at the measured rates (``inf`` when no non-member was
    accused but members were). ``lower`` replaces TPR by its Clopper-Pearson lower bound and FPR
    by its upper bound, each at ``1 - (1 - confidence) / 2`` so that both hold together with
    probability ``>= confidence`` (union bound): an (eps, delta)-DP model shows ``lower > eps``
    with probability at most ``1 - confidence`` (Jagielski et al. 2020). Even with
    every member caught and no false positive, ``lower`` stays below ``-ln(FPR upper bound)``:
    few non-members cap what an audit can show.

    This is one test at one threshold, not a maximum over thresholds (which would need a fresh
    split to stay honest). It treats each clip as an independent trial, as audits with many
    canaries in one training run do; Steinke, Nasr, Jagielski 2023 (NeurIPS, "Privacy Auditing
    with One (1) Training Run") show when that is sound (members drawn at random from the
    candidates) and give the bound that then holds: read ours as an estimate. The other DP
    inequality, on the miss rate, ``1 - FPR <= e^eps (1 - TPR) + delta``, gives less at low FPR
    and is not used.
    """
    if not 0 <= delta < 1 or not 0 < confidence < 1:
        raise UsageError(
            f"expected delta in [0, 1) and confidence in (0, 1), got {delta}, {confidence}"
        )
    tp = count_of("tpr", tpr, n_members)
    fp = count_of("fpr", fpr, n_nonmembers)
    both = 1 - (1 - confidence) / 2
    tpr_lo, _ = clopper_pearson(tp, n_members, confidence=both)
    _, fpr_hi = clopper_pearson(fp, n_nonmembers, confidence=both)
    return log_ratio(tpr - delta, fpr), log_ratio(tpr_lo - delta, fpr_hi)


def log_ratio(caught: float, accused: float) -> float:
    """``max(0, ln(caught / accused))``; ``inf`` when ``caught > 0 = accused``."""
    if caught <= 0:
        return 0.0
    return math.inf if accused == 0 else max(0.0, math.log(caught / accused))


# -- attacks ----------------------------------------------------------------------------------


def check_clips(clips: torch.Tensor, labels: torch.Tensor | None) -> None:
    """Clips must be (B, C, T, H, W); labels, when given, (B,) class ids."""
    if not isinstance(clips, torch.Tensor) or clips.dim() != 5:
        got = tuple(clips.shape) if isinstance(clips, torch.Tensor) else type(clips).__name__
        raise UsageError(f"clips must be a float tensor (B, C, T, H, W) in [-1, 1], got {got}")
    if labels is not None and (labels.dim() != 1 or len(labels) != len(clips)):
        raise UsageError(
            f"labels must be (B,) = ({len(clips)},) class ids, got {tuple(labels.shape)}"
        )


def device_of(module) -> torch.device:
    """Where ``module``'s parameters live (CPU for an object without any)."""
    params = module.parameters() if isinstance(module, nn.Module) else iter(())
    return next(params, torch.zeros(0)).device


def discriminator_views(discriminator: nn.Module) -> list[tuple[nn.Module, str, int, bool]]:
    """``(module, view, window, takes_labels)`` for each discriminator that scores a clip.

    A course GAN (``VideoGAN``: ``.discriminators`` and ``.config``) gives its image D (view
    "frames") and its video D (view "windows" of ``config.d_frames`` frames; 0 = the whole clip).
    A lone ``ImageDiscriminator`` sees frames; any other module sees the whole clip.
    """
    if isinstance(getattr(discriminator, "discriminators", None), nn.ModuleDict):
        cfg = discriminator.config
        return [
            (d, "frames" if name == "image" else "windows", cfg.d_frames, cfg.num_classes > 0)
            for name, d in discriminator.discriminators.items()
        ]
    if isinstance(discriminator, ImageDiscriminator):
        return [(discriminator, "frames", 0, True)]
    if isinstance(discriminator, nn.Module):
        return [(discriminator, "windows", 0, True)]
    raise UsageError(
        f"expected a discriminator module or a GAN, got {type(discriminator).__name__}"
    )


def view_logits(d: nn.Module, clips, labels, view: str, window: int) -> torch.Tensor:
    """``d``'s mean logit per clip over every frame ("frames") or every window ("windows")."""
    b, c, t, h, w = clips.shape
    if view == "frames":
        parts = clips.transpose(1, 2).reshape(b * t, c, h, w)  # (B*T, C, H, W)
    else:
        k = t if window in (0, t) else window
        if k > t:
            raise UsageError(f"the video D sees {k} frames, the clips have only {t}")
        # (B, C, n, H, W, k) -> (B, n, C, k, H, W) -> (B*n, C, k, H, W), n = T - k + 1
        parts = clips.unfold(2, k, 1).permute(0, 2, 1, 5, 3, 4).reshape(-1, c, k, h, w)
    per_clip = len(parts) // b
    lab = None if labels is None else labels.repeat_interleave(per_clip)
    logits = d(parts) if lab is None else d(parts, lab)
    return logits.reshape(b, per_clip).float().mean(1)  # (B,)


@torch.no_grad()
def logan_scores(
    discriminator: nn.Module, clips: torch.Tensor, labels=None, *, batch_size: int = 64
) -> torch.Tensor:
    """LOGAN's white-box attack: the discriminator's score of each clip, (B,) float32 on the CPU.

    Hayes et al. 2019 (PoPETs): a discriminator that overfits gives its training
    clips higher scores; the attacker ranks clips by the score. We use the logit (monotone in
    D's probability, so the ranking and every statistic above are the same). A MoCoGAN has two
    discriminators: each one's logit is averaged over every frame (image D) or every window
    of ``d_frames`` frames (video D), so the score does not depend on a random draw, and the
    two are summed (their evidence multiplies the odds). A conditional D gets ``labels``.
    Runs in eval mode (no spectral-norm power iteration) and restores the module's mode.
    """
    check_clips(clips, labels)
    views = discriminator_views(discriminator)
    was_training, device = discriminator.training, device_of(discriminator)
    discriminator.eval()
    try:
        scores = []
        for start in range(0, len(clips), batch_size):
            batch = clips[start : start + batch_size].to(device)  # (b, C, T, H, W)
            lab = None if labels is None else labels[start : start + batch_size].to(device)
            total = sum(
                view_logits(d, batch, lab if takes else None, view, window)
                for d, view, window, takes in views
            )
            scores.append(total.cpu())
    finally:
        discriminator.train(was_training)
    return torch.cat(scores)


@torch.no_grad()
def gan_leaks_scores(
    generator,
    clips: torch.Tensor,
    labels=None,
    *,
    n_generated: int = 1024,
    seed: int = 0,
    batch_size: int = 64,
) -> torch.Tensor:
    """GAN-Leaks' full black-box attack: minus the L2 distance to the nearest generated clip.

    Chen et al. 2020 (ACM CCS): a generator that memorised a training clip reproduces
    it, so members lie closer to the generated set. ``n_generated`` clips are drawn from
    ``generator.sample(n, labels=None, generator=torch.Generator)`` seeded with ``seed``; with
    ``labels``, ``n_generated`` per class present, each clip compared only with its own class.
    More clips make a stronger attack (nearer neighbours). Clips are generated ``batch_size`` at a
    time and only the running minimum is kept, so memory stays small. Returns (B,) float32.
    """
    check_clips(clips, labels)
    if n_generated < 1:
        raise UsageError(f"n_generated must be at least 1, got {n_generated}")
    flat = clips.reshape(len(clips), -1).double().cpu()  # (B, C*T*H*W)
    nearest = torch.full((len(clips),), math.inf, dtype=torch.float64)
    device = device_of(generator)
    rng = torch.Generator(device).manual_seed(seed)
    groups = (
        [(None, torch.arange(len(clips)))]
        if labels is None
        else [(int(c), (labels.cpu() == c).nonzero().squeeze(1)) for c in labels.unique()]
    )
    for label, idx in groups:
        for start in range(0, n_generated, batch_size):
            n = min(batch_size, n_generated - start)
            lab = None if label is None else torch.full((n,), label, device=device)
            fake = generator.sample(n, labels=lab, generator=rng)  # (n, C, T, H, W)
            if fake.shape[1:] != clips.shape[1:]:
                raise UsageError(
                    f"the generator makes clips {tuple(fake.shape[1:])}, the audited clips are "
                    f"{tuple(clips.shape[1:])}: audit with data of the model's shape"
                )
            dist = torch.cdist(flat[idx], fake.reshape(n, -1).double().cpu())  # (b, n)
            nearest[idx] = torch.minimum(nearest[idx], dist.min(1).values)
    return (-nearest).float()


# -- the report ------------------------------------------------------------------------------


@dataclass
class AuditResult:
    """What ``vidgen-edu audit --json`` prints for one attack; ``to_dict`` keeps these names."""

    attack: str  # "logan" | "gan-leaks" | ...
    auc: float  # ROC AUC of member vs non-member scores, 0.5 = chance
    auc_ci: tuple[float, float]  # DeLong interval at ``confidence``
    tpr_at_1pct_fpr: float  # members caught at the threshold accusing <= 1% of non-members
    fpr: float  # the FPR that threshold actually reaches (<= 0.01; 0 with < 100 non-members)
    epsilon_lower_bound: float  # ln((TPR - delta) / FPR) at the measured rates, >= 0
    epsilon_lower_bound_ci: float  # the same with Clopper-Pearson bounds: holds w.p. confidence
    delta: float  # the delta of the DP guarantee being audited
    confidence: float  # of the AUC interval and of the epsilon bound
    n_members: int
    n_nonmembers: int

    def to_dict(self) -> dict:
        """JSON-ready: tuples become lists, an infinite epsilon becomes None (no false positive)."""
        out = asdict(self)
        out["auc_ci"] = list(self.auc_ci)
        for key in ("epsilon_lower_bound", "epsilon_lower_bound_ci"):
            out[key] = None if math.isinf(out[key]) else out[key]
        return out


def audit(
    member_scores, nonmember_scores, *, attack: str, delta: float, confidence: float = 0.95
) -> AuditResult:
    """Every statistic of one attack's scores (higher = member) in one ``AuditResult``."""
    point = roc_point(member_scores, nonmember_scores, fpr=TARGET_FPR)
    eps, eps_ci = epsilon_lower_bound(
        point.tpr, point.fpr, delta, point.n_members, point.n_nonmembers, confidence
    )
    return AuditResult(
        attack=attack,
        auc=roc_auc(member_scores, nonmember_scores),
        auc_ci=roc_auc_ci(member_scores, nonmember_scores, confidence=confidence),
        tpr_at_1pct_fpr=point.tpr,
        fpr=point.fpr,
        epsilon_lower_bound=eps,
        epsilon_lower_bound_ci=eps_ci,
        delta=delta,
        confidence=confidence,
        n_members=point.n_members,
        n_nonmembers=point.n_nonmembers,
    )
