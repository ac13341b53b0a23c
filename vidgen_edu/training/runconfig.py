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

from dataclasses import dataclass, replace
from typing import Any

from vidgen_edu.config import parse_value
from vidgen_edu.data.config import DataConfig
from vidgen_edu.errors import ConfigError
from vidgen_edu.models import ModelConfig
from vidgen_edu.models.config import SIZES

from .config import TrainConfig
from .ema import ema_decay_for

SECTIONS = {"model": ModelConfig, "train": TrainConfig, "data": DataConfig}
# model fields that follow the data: set the data's instead
DERIVED = {
    "model.size": "data.size",
    "model.frames": "data.frames",
    "model.channels": "data.name (the dataset's colour channels)",
}


@dataclass
class RunConfig:
    """What a run trains (``model``), how (``train``) and on what (``data``), resolved."""

    model: ModelConfig
    train: TrainConfig
    data: DataConfig

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
        if problems:
            raise ConfigError("; ".join(problems))
        self.model = replace(
            self.model, size=self.data.size, frames=self.data.frames, channels=channels
        )
        if self.train.ema_decay is None:
            self.train = replace(self.train, ema_decay=ema_decay_for(self.train.steps))

    def to_dict(self) -> dict[str, dict]:
        return {name: getattr(self, name).to_dict() for name in SECTIONS}

    @classmethod
    def from_dict(cls, d: dict) -> RunConfig:
        """From ``{"model": {...}, "train": {...}, "data": {...}}``; every problem at once."""
        if not isinstance(d, dict) or set(d) != set(SECTIONS):
            got = sorted(d) if isinstance(d, dict) else type(d).__name__
            raise ConfigError(
                f"a run configuration has the sections model, train and data; got {got}"
            )
        built, problems = {}, []
        for name, kind in SECTIONS.items():
            try:
                built[name] = kind.from_dict(d[name])
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
