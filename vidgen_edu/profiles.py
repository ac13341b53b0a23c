"""Run profiles: how much compute a notebook or a command may spend.

- ``smoke``: CI; each notebook in under a minute on 2 CPU cores.
- ``cpu``: a laptop or Binder; each notebook in a few minutes, under 1.5 GB of memory.
- ``gpu``: the real training on one GPU.

``auto`` picks ``gpu`` when CUDA is available, else ``cpu``. The environment variable
``VIDGEN_EDU_PROFILE`` overrides whatever the caller asked for, so that CI can run every
notebook in ``smoke`` without editing them.
"""

from __future__ import annotations

import os

from vidgen_edu.errors import ConfigError

PROFILES = ("smoke", "cpu", "gpu")
ENV_VAR = "VIDGEN_EDU_PROFILE"


def resolve_profile(profile: str = "auto") -> str:
    """Return the concrete profile to run: ``smoke``, ``cpu`` or ``gpu``.

    >>> resolve_profile("smoke") if "VIDGEN_EDU_PROFILE" not in os.environ else "smoke"
    'smoke'
    """
    requested = os.environ.get(ENV_VAR) or profile
    if requested == "auto":
        import torch

        return "gpu" if torch.cuda.is_available() else "cpu"
    if requested not in PROFILES:
        raise ConfigError(
            f"unknown profile {requested!r}: expected one of {', '.join(PROFILES)} or 'auto' "
            f"(check the argument or the {ENV_VAR} environment variable)"
        )
    return requested


def default_device(profile: str) -> str:
    """The torch device a profile trains on: ``cuda`` for ``gpu``, else ``cpu``."""
    return "cuda" if profile == "gpu" else "cpu"
