"""The studio's view of a generator with an ODE sampler (the flow model): seed, class, steps and
guidance.

A flow model has no content or motion code to steer: a clip is integrated from Gaussian noise the
size of the clip itself (``vidgen_edu.models.flow``). So the studio's controls act on what it does
have:

- **seed** draws that pixel noise from ``torch.Generator().manual_seed(seed)``: the same seed
  gives the same clip, exactly ``generator.sample(1, labels=..., generator=...)``;
- **class** is the condition ``y``; **guidance** ``w`` the classifier-free guidance scale
  (``v_null + w (v_y - v_null)``; 1 = the conditional velocity only, 0 = unconditional);
- **sampling steps**: how many ODE steps; each costs one (batched) network evaluation.

Truncation, GANSpace directions, interpolation and frames beyond the training length act on the
GAN's codes and do not exist here: :class:`FlowSpace` has no directions and refuses settings that
ask for them. The studio picks this class by capability (a generator whose ``sample_options``
include ``"steps"`` or ``"guidance"``), never by the family's name.
"""

from __future__ import annotations

import numpy as np
import torch

from vidgen_edu.errors import UsageError
from vidgen_edu.models import flow
from vidgen_edu.video import tensor_to_frames

from .latent import Settings

MAX_STEPS = 16  # the studio's sampling-steps slider: 1..16
MAX_GUIDANCE = 4.0  # the guidance slider: 0..4
ODE_OPTIONS = ("steps", "guidance")


def has_ode_sampler(generator) -> bool:
    """True when ``generator.sample`` takes sampling steps or guidance (the model contract)."""
    return bool(set(ODE_OPTIONS) & set(getattr(type(generator), "sample_options", ())))


class FlowSpace:
    """Turn :class:`Settings` into clips with a generator whose ``sample`` integrates an ODE.

    The same interface as ``GanLatentSpace`` where the studio uses it (``g``, ``cfg``,
    ``content_dirs``, ``motion_dirs``, ``render``, ``render_many``), plus ``options`` (which of
    ``steps``/``guidance`` the generator takes), ``default_steps``, ``default_guidance`` and a
    one-line ``note`` saying why the GAN's code controls are off.
    """

    latent_codes = False  # no content/motion codes: truncation, directions, interpolation are off
    note = "Starts from pixel noise, not content/motion codes: those are off."  # one line in 400px

    def __init__(self, generator, cfg):
        if not has_ode_sampler(generator):
            raise UsageError(
                f"{type(generator).__name__} takes no sampling steps or guidance: "
                "the studio steers it through its latent codes instead"
            )
        self.g, self.cfg = generator, cfg
        self.options = tuple(o for o in ODE_OPTIONS if o in type(generator).sample_options)
        self.content_dirs: list = []
        self.motion_dirs: list = []
        # a generator may declare its own defaults; else the flow family's measured ones
        self.default_steps = int(getattr(generator, "default_steps", flow.DEFAULT_STEPS))
        self.default_guidance = float(getattr(generator, "default_guidance", flow.DEFAULT_GUIDANCE))

    def check(self, s: Settings) -> None:
        """Raise a UsageError that names a value this model cannot honour."""
        cfg = self.cfg
        if s.frames != cfg.frames:
            raise UsageError(
                f"this model makes clips of exactly {cfg.frames} frames (it samples the whole "
                f"clip at once from noise of that size), got {s.frames}"
            )
        if cfg.num_classes and not 0 <= s.label < cfg.num_classes:
            raise UsageError(f"class must be in 0..{cfg.num_classes - 1}, got {s.label}")
        if s.truncation != 1.0 or s.mix or any(s.content) or any(s.motion):
            raise UsageError(
                "truncation, interpolation and directions act on a GAN's latent codes; "
                "this model starts from pixel noise and has none"
            )
        if s.steps is not None and not 1 <= s.steps <= MAX_STEPS:
            raise UsageError(f"sampling steps must be in 1..{MAX_STEPS}, got {s.steps}")
        if s.guidance is not None and not 0 <= s.guidance <= MAX_GUIDANCE:
            raise UsageError(f"guidance must be in [0, {MAX_GUIDANCE:g}], got {s.guidance}")

    def sample_kwargs(self, s: Settings) -> dict:
        """The ``sample`` options of ``s`` that the generator takes (defaults filled in)."""
        values = {
            "steps": self.default_steps if s.steps is None else int(s.steps),
            "guidance": self.default_guidance if s.guidance is None else float(s.guidance),
        }
        return {k: values[k] for k in self.options}

    def render(self, s: Settings) -> np.ndarray:
        """The clip of one set of settings: ``uint8 (T, H, W, C)``."""
        self.check(s)
        labels = torch.tensor([s.label]) if self.cfg.num_classes else None
        rng = torch.Generator().manual_seed(int(s.seed))
        with torch.inference_mode():
            video = self.g.sample(1, labels=labels, generator=rng, **self.sample_kwargs(s))
        return tensor_to_frames(video)[0]

    def render_many(self, settings: list[Settings]) -> np.ndarray:
        """Several clips, one seed each: ``uint8 (N, T, H, W, C)`` (one sample call per clip,
        because ``sample`` draws all its noise from one generator)."""
        return np.stack([self.render(s) for s in settings])


__all__ = ["FlowSpace", "MAX_GUIDANCE", "MAX_STEPS", "has_ode_sampler"]
