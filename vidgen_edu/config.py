"""What every configuration dataclass shares: strict checks and a plain-dict round trip.

Configurations travel inside checkpoints as plain dicts (so that a weights-only load can read
them) and arrive from the command line as ``section.field=value`` strings. Both ways in are
strict: an unknown key, a value of the wrong type or out of range is a ``ConfigError`` that names
the section and the field, and every problem is reported at once, not the first one only.

A configuration class declares its fields with a comment each (unit or range), a ``section``
name, and a ``problems()`` method listing what is wrong with its values.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any, ClassVar, TypeVar

from vidgen_edu.errors import ConfigError

C = TypeVar("C", bound="StrictConfig")

_TYPES = {"int": (int,), "float": (int, float), "bool": (bool,), "str": (str,)}
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def _base_type(annotation: str) -> tuple[str, bool]:
    """``"float | None"`` -> ``("float", True)``: the field's base type and whether None is allowed."""
    parts = [p.strip() for p in str(annotation).split("|")]
    return parts[0], "None" in parts[1:]


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def type_problem(name: str, value: Any, annotation: str) -> str | None:
    """What is wrong with ``value`` for a field annotated ``annotation``, or None."""
    base, optional = _base_type(annotation)
    if value is None:
        return None if optional else f"{name}=None: expected {_a(base)}"
    if isinstance(value, bool) and base != "bool":
        return f"{name}={value!r}: expected {_a(base)}, not a true/false value"
    if not isinstance(value, _TYPES.get(base, (object,))):
        return f"{name}={value!r} ({type(value).__name__}): expected {_a(base)}"
    return None


def parse_value(name: str, text: str, annotation: str) -> Any:
    """The value of a ``field=text`` setting, converted to the field's type."""
    base, optional = _base_type(annotation)
    if optional and text.strip().lower() in ("none", "null", ""):
        return None
    try:
        if base == "bool":
            if text.strip().lower() not in _TRUE + _FALSE:
                raise ValueError(text)
            return text.strip().lower() in _TRUE
        return {"int": int, "float": float}.get(base, str)(text)
    except ValueError:
        raise ConfigError(f"{name}={text!r}: expected {_a(base)}") from None


class StrictConfig:
    """Mix into a ``@dataclass``: type and range checks at creation, ``to_dict``/``from_dict``."""

    section: ClassVar[str] = "config"  # how the command line and messages name it

    def problems(self) -> list[str]:
        """What is wrong with the values (subclasses list their range checks here)."""
        return []

    def __post_init__(self):
        problems = self.type_problems(self.to_dict())
        problems = problems or self.problems()  # range checks assume the types are right
        if problems:
            raise ConfigError(f"{self.section} config: {'; '.join(problems)}")

    @classmethod
    def field_types(cls) -> dict[str, str]:
        return {f.name: str(f.type) for f in fields(cls)}  # type: ignore[arg-type]

    @classmethod
    def type_problems(cls, d: dict) -> list[str]:
        types = cls.field_types()
        found = [type_problem(k, v, types[k]) for k, v in d.items() if k in types]
        return [p for p in found if p]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[C], d: dict) -> C:
        """Build from a plain dict; unknown keys and wrong types are named, all at once."""
        if not isinstance(d, dict):
            raise ConfigError(
                f"{cls.section} config: expected a dict of settings, got {type(d).__name__}"
            )
        known = cls.field_types()
        problems = [f"unknown key {k!r}" for k in sorted(set(d) - set(known))]
        problems += cls.type_problems(d)
        if problems:
            raise ConfigError(
                f"{cls.section} config: {'; '.join(problems)} (known keys: {', '.join(known)})"
            )
        return cls(**d)
