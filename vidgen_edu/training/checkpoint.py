"""Checkpoints: one dict that holds everything needed to continue a run, written atomically.

A run's ``last.pt`` holds the model (generator and discriminators), the generator's EMA, the
optimizers, the step, the three configurations as plain dicts and the RNG states. It is written to
a temporary file in the same folder and renamed into place (``os.replace`` is atomic), so a run
killed at any moment leaves the previous checkpoint whole. Loading uses ``weights_only=True``:
nothing but tensors and plain Python values is unpickled.
"""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

from vidgen_edu.assets import ASSETS, shipped
from vidgen_edu.models import ModelConfig, build_model

FORMAT = "vidgen_edu.checkpoint/1"
PRETRAINED = ASSETS / "pretrained_mocogan.pt"


def save_atomic(obj: dict, path: str | os.PathLike) -> None:
    """``torch.save`` to a temporary file beside ``path``, fsync, then rename over ``path``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def rng_state() -> dict:
    """torch (CPU and CUDA), numpy and Python RNG states, as tensors and plain values."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    version, words, gauss = random.getstate()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, cached],
        "python": [version, list(words), gauss],
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore what ``rng_state`` saved."""
    torch.set_rng_state(state["torch"])
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    version, words, gauss = state["python"]
    random.setstate((version, tuple(words), gauss))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def resolve(path_or_pretrained: str | os.PathLike) -> Path:
    """``"pretrained"`` -> the shipped weights; anything else -> that path, which must exist."""
    if str(path_or_pretrained) == "pretrained":
        if not PRETRAINED.exists():
            raise FileNotFoundError(
                f"no shipped pretrained weights found at {PRETRAINED}: train them with "
                "`vidgen-edu train --preset pretrained --out RUN` and pass --checkpoint RUN/last.pt"
            )
        return shipped(PRETRAINED.name)  # checked against its sha256 in the manifest
    path = Path(path_or_pretrained)
    if path.is_dir():
        path = path / "last.pt"
    if not path.exists():
        raise FileNotFoundError(
            f"checkpoint {path} does not exist: pass a run's last.pt, its folder, or 'pretrained'"
        )
    return path


def load_checkpoint(path_or_pretrained: str | os.PathLike, device: str = "cpu") -> dict:
    """The checkpoint dict at a path (or the shipped weights), loaded with ``weights_only=True``."""
    path = resolve(path_or_pretrained)
    try:
        ckpt = torch.load(path, map_location=device, weights_only=True)
    except Exception as err:
        raise ValueError(
            f"{path} is not a readable checkpoint ({type(err).__name__}): was it written by "
            "vidgen-edu train? Retrain or pick another file"
        ) from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise ValueError(f"{path} is not a vidgen_edu checkpoint (expected format {FORMAT})")
    return ckpt


def load_generator(path_or_pretrained="pretrained", device: str = "cpu"):
    """``(generator (EMA weights, eval mode), ModelConfig, data_spec dict)`` from a checkpoint.

    Usage: ``g, cfg, spec = load_generator("runs/x/last.pt"); video = g.sample(4, labels=3)``.
    """
    ckpt = load_checkpoint(path_or_pretrained, device)
    cfg = ModelConfig.from_dict(ckpt["model_config"])
    generator = build_model(cfg).generator
    generator.load_state_dict(ckpt["ema"], strict=True)
    return generator.to(device).eval().requires_grad_(False), cfg, dict(ckpt["data_spec"])


def export_generator(path_or_run, out: str | os.PathLike) -> Path:
    """Write only the EMA generator of a run (what ``load_generator`` needs) to ``out``.

    That is how the shipped ``pretrained_mocogan.pt`` is made from a run's ``last.pt``.
    """
    ckpt = load_checkpoint(path_or_run)
    keep = ("format", "step", "model_config", "train_config", "data_spec", "ema")
    save_atomic({k: ckpt[k] for k in keep}, out)
    return Path(out)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
