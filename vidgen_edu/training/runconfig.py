"""One run configuration: ``RunConfig(model, train, data)``, built from a preset and overrides.

Every setting of a run lives in one of three typed sections (``ModelConfig``, ``TrainConfig``,
``DataConfig``) and can be set the same way from Python and from the command line::

    run = RunConfig.from_preset("cpu", {"model.name": "vae", "train.steps": 100})
    vidgen-edu train --profile cpu --set model.name=vae --set train.steps=100 --print-config

Presets (``presets.py``) are small override dicts. Derived values are resolved after every
override, so they always agree with what is trained: the model's ``size``, ``frames`` and
``channels`` come from the data, and ``train.ema_decay=None`` becomes a decay whose time
constant is a tenth of ``train.steps``. A checkpoint stores the resolved configuration.
Every problem of a configuration is reported at once, in one ``ConfigError``.

>>> RunConfig.from_preset("cpu", {"train.steps": 100}).train.ema_decay
0.9
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from vidgen_edu.config import parse_value
from vidgen_edu.data.config import DataConfig
from vidgen_edu.errors import ConfigError
from vidgen_edu.models import ModelConfig
from vidgen_edu.models.config import SIZES

from .config import PrivacyConfig, TrainConfig
from .ema import ema_decay_for

SECTIONS = {
    "model": ModelConfig,
    "train": TrainConfig,
    "data": DataConfig,
    "privacy": PrivacyConfig,
}
OPTIONAL = ("privacy",)  # sections older configurations lack: their defaults apply
PRIVATE_MODELS = ("mocogan", "vgan", "flow")
# model fields that follow the data: set the data's instead
DERIVED = {
    "model.size": "data.size",
    "model.frames": "data.frames",
    "model.channels": "data.name (the dataset's colour channels)",
}


@dataclass
class RunConfig:
    """What a run trains (``model``), how (``train``), on what (``data``), how privately."""

    model: ModelConfig
    train: TrainConfig
    data: DataConfig
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)

    def __post_init__(self):
        channels, classes = self.data.traits()
        problems = []
        if self.data.size not in SIZES:
            problems.append(
                f"data.size={self.data.size}: the models are built for "
                f"{', '.join(map(str, SIZES))} pixels"
            )
        if self.model.num_classes not in (0, classes):
            problems.append(
                f"model.num_classes={self.model.num_classes} but {self.data.name} has "
                + (f"{classes} classes: use {classes}" if classes else "no labels: use 0")
                + " (0 = unconditional)"
            )
        if self.privacy.enabled:
            problems += self._privacy_problems()
        if problems:
            raise ConfigError("; ".join(problems))
        self.model = replace(
            self.model, size=self.data.size, frames=self.data.frames, channels=channels
        )
        if self.train.ema_decay is None:
            self.train = replace(self.train, ema_decay=ema_decay_for(self.train.steps))

    def _privacy_problems(self) -> list[str]:
        """A private run trains an Opacus-compatible GAN on a fixed set (privacy/dpgan.py)."""
        found, m = [], self.model
        if not self.data.clips:
            found.append("a private run trains on a fixed set of clips: set data.clips (e.g. 1000)")
        elif self.privacy.delta >= 1 / self.data.clips:
            found.append(
                f"privacy.delta={self.privacy.delta:g} is not below 1/{self.data.clips} "
                "(1 / the clips in the set): a larger delta lets a mechanism publish a whole "
                "record; use e.g. 1e-5"
            )
        if m.name not in PRIVATE_MODELS:
            found.append(
                f"model.name={m.name!r}: a private run trains a GAN (mocogan or vgan) or a flow"
            )
        if m.name != "flow" and (not m.private or m.spectral_norm or m.d_image_frames):
            found.append(
                "a private discriminator needs model.private=True, model.spectral_norm=False "
                "and model.d_image_frames=0 (an image D puts several frames of one clip in "
                "the batch, and Opacus would clip each frame alone)"
            )
        if self.train.r1:
            found.append(
                "train.r1 must be 0 in a private run (R1 differentiates D's input, clip by clip)"
            )
        return found

    def to_dict(self) -> dict[str, dict]:
        return {name: getattr(self, name).to_dict() for name in SECTIONS}

    @classmethod
    def from_dict(cls, d: dict) -> RunConfig:
        """From ``{"model": {...}, "train": {...}, "data": {...}}``; every problem at once.

        The ``privacy`` section may be missing (configurations written before it existed).
        """
        required = set(SECTIONS) - set(OPTIONAL)
        if not isinstance(d, dict) or not required <= set(d) or not set(d) <= set(SECTIONS):
            got = sorted(d) if isinstance(d, dict) else type(d).__name__
            raise ConfigError(
                "a run configuration has the sections model, train and data (and privacy); "
                f"got {got}"
            )
        built, problems = {}, []
        for name, kind in SECTIONS.items():
            try:
                built[name] = kind.from_dict(d.get(name, {}))
            except ConfigError as err:
                problems.append(str(err))
        if problems:
            raise ConfigError("; ".join(problems))
        return cls(**built)

    @classmethod
    def from_preset(cls, preset: str, overrides: dict | list[str] | None = None) -> RunConfig:
        """A preset's settings with ``overrides`` on top (see ``apply_overrides``)."""
        from .presets import preset_settings

        return cls.from_dict(apply_overrides(preset_settings(preset), overrides or {}))

    def with_overrides(self, overrides: dict | list[str], *, allowed=None) -> RunConfig:
        """This configuration with ``overrides``; ``allowed`` limits the keys that may change."""
        changes = parse_overrides(overrides)
        if allowed is not None:
            refused = sorted(k for k in changes if k not in allowed)
            if refused:
                raise ConfigError(
                    f"{', '.join(refused)} cannot change in a resumed run "
                    f"(only {', '.join(sorted(allowed))} can): start a new run"
                )
        return RunConfig.from_dict(apply_overrides(self.to_dict(), changes))


def parse_overrides(overrides: dict | list[str]) -> dict[str, Any]:
    """``["train.lr_g=2e-4", ...]`` or ``{"train.lr_g": 2e-4}`` -> ``{"train.lr_g": value}``.

    Strings are converted to the field's type; every problem is reported at once.
    """
    items = (
        overrides.items()
        if isinstance(overrides, dict)
        else [tuple(s.split("=", 1)) if "=" in s else (s, None) for s in overrides]
    )
    parsed, problems = {}, []
    for key, value in items:
        section, _, name = str(key).partition(".")
        kind = SECTIONS.get(section)
        types = kind.field_types() if kind else {}
        if value is None and not isinstance(overrides, dict):
            problems.append(f"{key!r}: expected section.field=value, e.g. train.steps=100")
        elif name not in types:
            known = ", ".join(f"{s}.FIELD" for s in SECTIONS) if not kind else ", ".join(types)
            problems.append(f"unknown setting {key!r} (known: {known})")
        elif key in DERIVED:
            problems.append(f"{key} follows the data: set {DERIVED[key]} instead")
        else:
            try:
                parsed[key] = _converted(key, value, types[name])
            except ConfigError as err:
                problems.append(str(err))
    if problems:
        raise ConfigError("; ".join(problems))
    return parsed


def _converted(key: str, value, annotation: str):
    """A string (from the command line) becomes the field's type; other values stay as given."""
    if isinstance(value, str) and not annotation.startswith("str"):
        return parse_value(key, value, annotation)
    return value


def apply_overrides(settings: dict, overrides: dict | list[str]) -> dict:
    """``settings`` (``{"model": {...}, ...}``) with the dotted ``overrides`` applied."""
    out = {name: dict(settings.get(name, {})) for name in SECTIONS}
    for key, value in parse_overrides(overrides).items():
        section, _, name = key.partition(".")
        out[section][name] = value
    return out
