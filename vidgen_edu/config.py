"""What every configuration dataclass shares: a plain-dict round trip that refuses unknown keys.

Configurations travel inside checkpoints as plain dicts (so that a weights-only load can read
them); reading one back names any key the class does not know,
instead of ignoring it or failing with a bare ``TypeError``.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any, TypeVar

C = TypeVar("C", bound="StrictConfig")


class StrictConfig:
    """Mix into a ``@dataclass``: ``to_dict()`` and a strict ``from_dict()``."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[C], d: dict) -> C:
        """Build from a plain dict; an unknown key is an error that names it."""
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(
                f"unknown {cls.__name__} keys {unknown}: expected some of {sorted(known)}"
            )
        return cls(**d)
