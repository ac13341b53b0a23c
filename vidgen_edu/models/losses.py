"""GAN losses on discriminator logits, and the R1 gradient penalty.

- hinge (Lim & Ye 2017, arXiv:1705.02894; used by SAGAN, BigGAN, DVD-GAN):
  L_D = E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))],   L_G = -E[D(G(z))]
- non-saturating (Goodfellow et al. 2014, sec. 3), with D(x) a logit and sigma the sigmoid:
  L_D = -E[log sigma(D(x))] - E[log(1 - sigma(D(G(z))))] = E[softplus(-D(x))] + E[softplus(D(G(z)))]
  L_G = -E[log sigma(D(G(z)))] = E[softplus(-D(G(z)))]
- R1 (Mescheder et al. 2018, arXiv:1801.04406, eq. 9): (gamma / 2) E[ ||grad_x D(x)||^2 ] on reals.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from vidgen_edu.errors import ConfigError


def d_loss(real: torch.Tensor, fake: torch.Tensor, *, kind: str = "hinge") -> torch.Tensor:
    """The discriminator's loss from logits on real (B,) and generated (B,) clips."""
    if kind == "hinge":
        return F.relu(1 - real).mean() + F.relu(1 + fake).mean()
    if kind == "nonsat":
        return F.softplus(-real).mean() + F.softplus(fake).mean()
    raise ConfigError(f"unknown loss {kind!r}: expected 'hinge' or 'nonsat'")


def g_loss(fake: torch.Tensor, *, kind: str = "hinge") -> torch.Tensor:
    """The generator's loss from the discriminator's logits on generated clips (B,)."""
    if kind == "hinge":
        return -fake.mean()
    if kind == "nonsat":
        return F.softplus(-fake).mean()
    raise ConfigError(f"unknown loss {kind!r}: expected 'hinge' or 'nonsat'")


def r1_penalty(logits: torch.Tensor, inputs: torch.Tensor, *, gamma: float) -> torch.Tensor:
    """``(gamma / 2) * mean_b ||d logits_b / d inputs_b||^2``; ``inputs`` must require grad.

    ``create_graph=True`` so that the penalty itself can be differentiated w.r.t. D's weights.
    """
    (grad,) = torch.autograd.grad(logits.sum(), inputs, create_graph=True)
    return 0.5 * gamma * grad.pow(2).flatten(1).sum(1).mean()


def d_terms(logits: torch.Tensor, *, real: bool, kind: str = "hinge") -> torch.Tensor:
    """Each clip's own term of L_D, (B,): ``d_loss`` is the mean of the real and fake terms.

    A private discriminator clips these one clip at a time (``privacy.dpgan``).
    """
    sign = -1.0 if real else 1.0
    if kind == "hinge":
        return F.relu(1 + sign * logits)
    return F.softplus(sign * logits)
