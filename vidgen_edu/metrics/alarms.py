"""Alarms on a generator's samples during training: a static generator, and ignored labels.

Two failures show in samples long before a Fréchet score is worth computing:

- **static generator**: the generator ignores its motion input, so consecutive frames are (nearly)
  the same. The alarm: the mean frame-to-frame change (``motion.frame_change``) below
  ``STATIC_RATIO`` of the real clips' (MoCoGAN's video discriminator exists to prevent this,
  Tulyakov et al. 2018, CVPR, sec. 3).
- **ignored conditioning**: a class-conditional generator whose clips the shipped classifier does
  not recognise as the requested class. With ``k`` classes, guessing gets ``1/k``; the alarm: the
  class accuracy below ``CHANCE_FACTOR`` times chance.

Both thresholds are rules of thumb for this course's data, not results from a paper: they flag a
run to look at, they do not grade it.
"""

from __future__ import annotations

import torch

from .features import FeatureNet, classify
from .motion import frame_change

STATIC_RATIO = 0.5  # frame change below half the real clips': the static-generator alarm
CHANCE_FACTOR = 2.0  # class accuracy below twice chance: the ignored-conditioning alarm


def sample_alarms(
    fake: torch.Tensor,
    real: torch.Tensor,
    *,
    labels: torch.Tensor | None = None,
    num_classes: int = 10,
    net: FeatureNet | None = None,
) -> dict:
    """Frame change of ``fake`` and ``real`` clips ``(B, C, T, H, W)``, class accuracy, alarms.

    ``labels`` (B,) are the classes ``fake`` was asked for (None for an unconditional
    generator: no accuracy, no conditioning alarm). Returns ``frame_change``,
    ``frame_change_real``, ``static_alarm`` and, with labels, ``class_accuracy``, ``chance`` and
    ``class_alarm``.
    """
    report = {"frame_change": frame_change(fake), "frame_change_real": frame_change(real)}
    report["static_alarm"] = report["frame_change"] < STATIC_RATIO * report["frame_change_real"]
    if labels is not None:
        predicted = classify(fake, net=net)  # (B,) the shipped classifier's digit
        report["class_accuracy"] = float((predicted == labels.to(predicted)).float().mean())
        report["chance"] = 1.0 / num_classes
        report["class_alarm"] = report["class_accuracy"] < CHANCE_FACTOR * report["chance"]
    return report
