"""Checkpoints: one dict that holds everything needed to continue a run, written atomically.

A run's ``last.pt`` holds the model (generator and, for a GAN, discriminators), the generator's
EMA, the optimizers, the step, the resolved ``RunConfig`` as a plain dict (``config``) and the RNG
states. It is written through ``vidgen_edu.files.atomic_path`` (a temporary file beside it,
fsync, rename), so a run killed at any moment leaves the previous checkpoint whole. Loading uses
``weights_only=True``: nothing but tensors and plain Python values is unpickled. Every way a
checkpoint can be wrong (missing, not a checkpoint, a key missing or of the wrong type, weights
that do not fit the configuration) is a ``CheckpointError`` that names the file and the key.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch
from torch import nn

from vidgen_edu.assets import ASSETS, manifest_entry, shipped
from vidgen_edu.errors import AssetError, CheckpointError, ConfigError, UsageError
from vidgen_edu.files import atomic_path
from vidgen_edu.models import build_model

from .runconfig import RunConfig

FORMAT = "vidgen_edu.checkpoint/2"
FORMAT_1 = "vidgen_edu.checkpoint/1"  # model_config, train_config, data_spec as three keys
# --checkpoint alias -> shipped asset
ALIASES = {
    "pretrained": "pretrained_mocogan.pt",
    "pretrained-flow": "pretrained_flow.pt",
    "pretrained-private": "pretrained_private.pt",  # trained with DP (dp-train), privacy.json in manifest
}
PRETRAINED = ASSETS / ALIASES["pretrained"]  # the shipped GAN


def save_atomic(obj: dict, path: str | os.PathLike) -> None:
    """``torch.save`` to a temporary file beside ``path``, fsync, then rename over ``path``."""
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


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


def resolve(path_or_alias: str | os.PathLike) -> Path:
    """``"pretrained"`` or a shipped asset's path -> the asset, checked against its sha256;
    a run folder -> its ``last.pt``; any other path must exist."""
    name = ALIASES.get(str(path_or_alias))
    path = ASSETS / name if name else Path(path_or_alias)
    if path.is_dir():
        path = path / "last.pt"
    if not name and path.is_file() and path.resolve().parent == ASSETS:
        name = path.name  # a shipped file passed by its path is checked like its alias
    if name:
        try:
            manifest_entry(name)
        except AssetError:
            return path  # a file in the assets folder that the manifest does not list
        return shipped(name)
    if not path.exists():
        raise CheckpointError(
            f"checkpoint {path} does not exist: give a run folder, its "
            f"last.pt, or one of {', '.join(ALIASES)}"
        )
    return path


def check_device(device: str) -> str:
    """``device`` if this machine has it; ``auto`` -> cuda when available, else cpu."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise UsageError(f"device={device!r} but this machine has no CUDA GPU: use 'cpu'")
    if str(device) != "cpu" and not str(device).startswith("cuda"):
        raise UsageError(f"device={device!r}: expected 'cpu', 'cuda' or 'auto'")
    return str(device)


def load_checkpoint(path_or_alias: str | os.PathLike, device: str = "cpu") -> dict:
    """The checkpoint dict at a path (or a shipped model), with ``weights_only=True``.

    ``ckpt["config"]`` is always the resolved ``RunConfig`` as a plain dict (older checkpoints,
    which kept three separate keys, are read as well).
    """
    device = check_device(device)
    path = resolve(path_or_alias)
    try:
        ckpt = torch.load(path, map_location=device, weights_only=True)
    except Exception as err:
        raise CheckpointError(
            f"{path} is not a readable checkpoint ({type(err).__name__}: "
            f"{str(err).splitlines()[0][:120] if str(err) else ''}): was it written by "
            "vidgen-edu train? Retrain or pick another file"
        ) from err
    if not isinstance(ckpt, dict) or ckpt.get("format") not in (FORMAT, FORMAT_1):
        raise CheckpointError(f"{path} is not a vidgen_edu checkpoint (expected format {FORMAT})")
    if ckpt["format"] == FORMAT_1:
        ckpt = upgrade(ckpt, path)
    for key, kind in (("step", int), ("config", dict)):
        if not isinstance(ckpt.get(key), kind):
            raise CheckpointError(
                f"{path}: {key!r} is missing or not a {kind.__name__}; "
                "the file is damaged or was not written by vidgen-edu"
            )
    try:
        RunConfig.from_dict(ckpt["config"])
    except ConfigError as err:
        raise CheckpointError(f"{path}: its configuration is not valid ({err})") from err
    return ckpt


def upgrade(ckpt: dict, path: Path) -> dict:
    """A format-1 checkpoint (three configuration keys) in the current layout."""
    try:
        config = {
            "model": dict(ckpt["model_config"]),
            "train": dict(ckpt["train_config"]),
            "data": dict(ckpt["data_spec"]),
        }
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(
            f"{path}: the configuration key {err} is missing or not a dict; "
            "the file is damaged or was not written by vidgen-edu"
        ) from err
    config["train"].pop("debug_nan_step", None)  # a test hook, no longer configuration
    rest = {k: v for k, v in ckpt.items() if k not in ("model_config", "train_config", "data_spec")}
    return {**rest, "format": FORMAT, "config": config}


def run_config(ckpt: dict) -> RunConfig:
    """The ``RunConfig`` a checkpoint was trained with."""
    return RunConfig.from_dict(ckpt["config"])


def load_state(module: nn.Module, state, what: str, path) -> None:
    """``module.load_state_dict(state, strict=True)`` or a CheckpointError naming ``what``."""
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: {what!r} is missing or not a state dict")
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as err:
        first = str(err).splitlines()[1:2] or [str(err)]
        raise CheckpointError(
            f"{path}: {what!r} does not fit the model of its configuration "
            f"({first[0].strip()[:160]})"
        ) from err


def load_generator(path_or_alias="pretrained", device: str = "cpu"):
    """``(generator (EMA weights, eval mode), ModelConfig, DataConfig)`` from a checkpoint.

    Usage: ``g, cfg, data = load_generator("runs/x"); video = g.sample(4, labels=3)``.
    """
    ckpt = load_checkpoint(path_or_alias, device)
    run = run_config(ckpt)
    generator = build_model(run.model).generator
    load_state(generator, ckpt.get("ema"), "ema", resolve(path_or_alias))
    return generator.to(device).eval().requires_grad_(False), run.model, run.data


def export_generator(path_or_run, out: str | os.PathLike) -> Path:
    """Write only the EMA generator of a run (what ``load_generator`` needs) to ``out``.

    That is how the shipped ``pretrained_mocogan.pt`` is made from a run's ``last.pt``.
    """
    ckpt = load_checkpoint(path_or_run)
    keep = ("format", "step", "elapsed_s", "config", "ema")
    save_atomic({k: ckpt[k] for k in keep if k in ckpt}, out)
    return Path(out)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


__all__ = [
    "ALIASES",
    "FORMAT",
    "PRETRAINED",
    "count_parameters",
    "export_generator",
    "load_checkpoint",
    "load_generator",
    "resolve",
    "run_config",
    "save_atomic",
]
