"""The training data a run uses, described by a plain dict (``data_spec``) kept in checkpoints.

``data_spec = {"name": "moving-digits", "size": 32, "frames": 16, "digits": 1}``: ``name``, ``size``
and ``frames`` go to ``vidgen_edu.data.make_dataset``, every other key as a keyword argument.
"""

from __future__ import annotations

from vidgen_edu.models import ModelConfig


def open_dataset(data_spec: dict, model_cfg: ModelConfig, *, seed: int):
    """Make the dataset and check that the model fits it (size, frames, channels, classes)."""
    from vidgen_edu.data import make_dataset

    spec = dict(data_spec)
    missing = [k for k in ("name", "size", "frames") if k not in spec]
    if missing:
        raise ValueError(f"data_spec lacks {missing}: expected name, size and frames at least")
    name, size, frames = spec.pop("name"), spec.pop("size"), spec.pop("frames")
    ds = make_dataset(name, size=size, frames=frames, seed=seed, **spec)
    check_fit(ds, data_spec, model_cfg)
    return ds


def check_fit(ds, data_spec: dict, cfg: ModelConfig) -> None:
    """A model and a dataset that disagree fail here, with both values named."""
    pairs = {
        "size": (cfg.size, data_spec["size"]),
        "frames": (cfg.frames, data_spec["frames"]),
        "channels": (cfg.channels, ds.channels),
    }
    bad = {k: v for k, v in pairs.items() if v[0] != v[1]}
    if bad:
        detail = ", ".join(f"{k}: model {m} vs data {d}" for k, (m, d) in bad.items())
        raise ValueError(f"the model does not fit the data ({detail}): make them agree")
    if cfg.num_classes and cfg.num_classes != getattr(ds, "num_classes", 0):
        raise ValueError(
            f"a conditional model with num_classes={cfg.num_classes} needs data with as many "
            f"classes; {data_spec['name']} has {getattr(ds, 'num_classes', 0)}: "
            "set num_classes=0 for an unconditional model"
        )
