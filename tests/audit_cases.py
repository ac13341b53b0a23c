"""Bad input and faults a user can cause on the command line, each with the answer it must get.

One list, two readers: ``tests/test_audit.py`` asserts every case, and ``benchmarks/audit.py``
prints the tried / good / bad table. A case is good when the command exits with the expected
status, prints exactly one line on stderr that contains every expected phrase, shows no
traceback and does not call the user's mistake an internal error.

Placeholders in arguments: ``{tmp}`` (an empty scratch folder), ``{run}`` (a finished tiny
conditional run), ``{run_u}`` (an unconditional one), ``{file}`` (a plain file), ``{notebooks}``
(a folder holding a course notebook), and the crafted checkpoints in ``build_fixtures``.
"""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import torch

SMOKE = ["--preset", "smoke", "--no-progress"]
TINY = ["--set", "train.steps=2", "--set", "train.sample_every=0"]

# (name, argv, exit status, phrases stderr must contain)
CASES = [
    # -- train: names and values
    (
        "train unknown model",
        ["train", *SMOKE, "--model", "tgan", "--out", "{tmp}/a"],
        2,
        ["name='tgan'", "mocogan"],
    ),
    (
        "train unknown dataset",
        ["train", *SMOKE, "--dataset", "moving-pixels", "--out", "{tmp}/a"],
        2,
        ["moving-pixels", "moving-digits"],
    ),
    (
        "train zero steps",
        ["train", *SMOKE, "--steps", "0", "--out", "{tmp}/a"],
        2,
        ["steps=0", ">= 1"],
    ),
    (
        "train steps not a number",
        ["train", *SMOKE, "--steps", "ten", "--out", "{tmp}/a"],
        2,
        ["train.steps='ten'", "an int"],
    ),
    (
        "train bad learning rate",
        ["train", *SMOKE, "--set", "train.lr_g=fast", "--out", "{tmp}/a"],
        2,
        ["train.lr_g='fast'", "a float"],
    ),
    (
        "train negative learning rate",
        ["train", *SMOKE, "--set", "train.lr_d=-1", "--out", "{tmp}/a"],
        2,
        ["lr_d=-1", "positive"],
    ),
    (
        "train unknown setting",
        ["train", *SMOKE, "--set", "train.lr=1", "--out", "{tmp}/a"],
        2,
        ["unknown setting 'train.lr'", "lr_g"],
    ),
    (
        "train unknown section",
        ["train", *SMOKE, "--set", "optim.lr=1", "--out", "{tmp}/a"],
        2,
        ["unknown setting 'optim.lr'", "model.FIELD"],
    ),
    (
        "train derived setting",
        ["train", *SMOKE, "--set", "model.size=64", "--out", "{tmp}/a"],
        2,
        ["model.size follows the data", "data.size"],
    ),
    (
        "train setting without value",
        ["train", *SMOKE, "--set", "train.steps", "--out", "{tmp}/a"],
        2,
        ["section.field=value"],
    ),
    (
        "train several problems at once",
        ["train", *SMOKE, "--set", "model.ngf=0", "--set", "train.batch=0", "--print-config"],
        2,
        ["ngf=0", "batch=0"],
    ),
    (
        "train unknown preset",
        ["train", "--preset", "huge", "--out", "{tmp}/a"],
        2,
        ["unknown preset 'huge'"],
    ),
    (
        "train unknown profile",
        ["train", "--profile", "fast", "--out", "{tmp}/a"],
        2,
        ["unknown profile 'fast'"],
    ),
    (
        "train unsupported size",
        ["train", *SMOKE, "--set", "data.size=24", "--print-config"],
        2,
        ["data.size=24", "16, 32, 64"],
    ),
    (
        "train conditional without labels",
        [
            "train",
            *SMOKE,
            "--dataset",
            "moving-mnist:{tmp}/m.npy",
            "--conditional",
            "--print-config",
        ],
        2,
        ["no class labels"],
    ),
    (
        "train wrong class count",
        ["train", *SMOKE, "--set", "model.num_classes=3", "--print-config"],
        2,
        ["num_classes=3", "10 classes"],
    ),
    (
        "train batch too large",
        ["train", *SMOKE, "--batch", "100000", "--out", "{tmp}/a"],
        2,
        ["batch=100000", "at most 1024"],
    ),
    (
        "train seed beyond 64 bits",
        ["train", *SMOKE, "--seed", "99999999999999999999", "--print-config"],
        2,
        ["seed=99999999999999999999"],
    ),
    (
        "train cuda without a GPU",
        ["train", *SMOKE, "--device", "cuda", "--out", "{tmp}/a"],
        2,
        ["no CUDA GPU"],
    ),
    ("train no out", ["train", *SMOKE], 2, ["--out"]),
    # -- train: the run folder
    ("train out is a file", ["train", *SMOKE, *TINY, "--out", "{file}"], 2, ["is a file"]),
    (
        "train out not writable",
        ["train", *SMOKE, *TINY, "--out", "/sys/vidgen_run"],
        2,
        ["cannot create the run folder"],
    ),
    (
        "train over a finished run",
        ["train", *SMOKE, *TINY, "--out", "{run}"],
        2,
        ["already holds a run", "resume"],
    ),
    (
        "train into a foreign folder",
        ["train", *SMOKE, *TINY, "--out", "{notebooks}"],
        2,
        ["not a vidgen-edu run", "00_overview.ipynb"],
    ),
    (
        "resume without a run",
        ["train", "--resume", "--out", "{tmp}/none"],
        2,
        ["cannot resume", "holds no run"],
    ),
    (
        "resume below the checkpoint",
        ["train", "--resume", "--steps", "1", "--out", "{run}"],
        2,
        ["train.steps=1", "below the step"],
    ),
    (
        "resume with another seed",
        [
            "train",
            *SMOKE,
            *TINY,
            "--set",
            "model.num_classes=10",
            "--resume",
            "--seed",
            "9",
            "--out",
            "{run}",
        ],
        2,
        ["train.seed: 0 -> 9"],
    ),
    (
        "resume changing the model",
        ["train", "--resume", "--set", "model.ngf=8", "--out", "{run}"],
        2,
        ["model.ngf cannot change in a resumed run"],
    ),
    (
        "train diverges",
        ["train", *SMOKE, *TINY, "--debug-poison-step", "1", "--out", "{tmp}/nan"],
        1,
        ["diverged at step 1", "discriminator loss is nan"],
    ),
    # -- generate
    (
        "generate unknown extension",
        ["generate", "--checkpoint", "{run}", "--out", "{tmp}/x.avi"],
        2,
        ["x.avi", ".mp4"],
    ),
    (
        "generate zero clips",
        ["generate", "--checkpoint", "{run}", "--n", "0", "--out", "{tmp}/x.npy"],
        2,
        ["--n", "outside 1..1000000"],
    ),
    (
        "generate too many for a video",
        ["generate", "--checkpoint", "{run}", "--n", "100000", "--out", "{tmp}/x.mp4"],
        2,
        ["at most 256", ".npy"],
    ),
    (
        "generate seed beyond 64 bits",
        [
            "generate",
            "--checkpoint",
            "{run}",
            "--seed",
            "18446744073709551616",
            "--out",
            "{tmp}/x.npy",
        ],
        2,
        ["--seed", "outside"],
    ),
    (
        "generate negative seed",
        ["generate", "--checkpoint", "{run}", "--seed", "-1", "--out", "{tmp}/x.npy"],
        2,
        ["--seed", "outside"],
    ),
    (
        "generate label out of range",
        ["generate", "--checkpoint", "{run}", "--label", "10", "--out", "{tmp}/x.npy"],
        2,
        ["--label 10", "0..9"],
    ),
    (
        "generate label, unconditional",
        ["generate", "--checkpoint", "{run_u}", "--label", "1", "--out", "{tmp}/x.npy"],
        2,
        ["unconditional"],
    ),
    (
        "generate guidance on a GAN",
        ["generate", "--checkpoint", "{run}", "--guidance", "2", "--out", "{tmp}/x.npy"],
        2,
        ["cannot be sampled with guidance"],
    ),
    (
        "generate missing checkpoint",
        ["generate", "--checkpoint", "{tmp}/no.pt", "--out", "{tmp}/x.npy"],
        2,
        ["no.pt", "does not exist"],
    ),
    (
        "generate garbage checkpoint",
        ["generate", "--checkpoint", "{garbage}", "--out", "{tmp}/x.npy"],
        2,
        ["not a readable checkpoint"],
    ),
    (
        "generate malicious pickle",
        ["generate", "--checkpoint", "{malicious}", "--out", "{tmp}/x.npy"],
        2,
        ["not a readable checkpoint"],
    ),
    (
        "generate config key missing",
        ["generate", "--checkpoint", "{no_config}", "--out", "{tmp}/x.npy"],
        2,
        ["model_config", "missing"],
    ),
    (
        "generate config wrong type",
        ["generate", "--checkpoint", "{bad_type}", "--out", "{tmp}/x.npy"],
        2,
        ["ngf='wide'", "an int"],
    ),
    (
        "generate EMA of the wrong shape",
        ["generate", "--checkpoint", "{bad_ema}", "--out", "{tmp}/x.npy"],
        2,
        ["'ema' does not fit"],
    ),
    (
        "generate cuda without a GPU",
        ["generate", "--checkpoint", "{run}", "--device", "cuda", "--out", "{tmp}/x.npy"],
        2,
        ["no CUDA GPU"],
    ),
    (
        "generate into a missing folder",
        ["generate", "--checkpoint", "{run}", "--out", "{tmp}/nodir/a.npy"],
        2,
        ["folder does not exist"],
    ),
    (
        "generate onto a read-only place",
        ["generate", "--checkpoint", "{run}", "--out", "/sys/a.npy"],
        2,
        ["cannot write /sys/a.npy"],
    ),
    (
        "generate onto a folder",
        ["generate", "--checkpoint", "{run}", "--out", "{tmp}"],
        2,
        ["use one of"],
    ),
    # -- evaluate
    (
        "evaluate one clip",
        ["evaluate", "--checkpoint", "{run}", "--n", "1", "--json"],
        2,
        ["--n", "outside 2..8192"],
    ),
    (
        "evaluate too many clips",
        ["evaluate", "--checkpoint", "{run}", "--n", "100000", "--json"],
        2,
        ["outside 2..8192"],
    ),
    (
        "evaluate zero batch",
        ["evaluate", "--checkpoint", "{run}", "--batch-size", "0", "--json"],
        2,
        ["--batch-size"],
    ),
    (
        "evaluate garbage checkpoint",
        ["evaluate", "--checkpoint", "{garbage}", "--json"],
        2,
        ["not a readable checkpoint"],
    ),
    (
        "evaluate steps on a GAN",
        ["evaluate", "--checkpoint", "{run}", "--sampling-steps", "4", "--json"],
        2,
        ["cannot be sampled with steps"],
    ),
    # -- dp-train and audit
    (
        "dp-train without a budget",
        ["dp-train", "--profile", "smoke", "--out", "{tmp}/p"],
        2,
        ["--target-epsilon", "e.g."],
    ),
    (
        "dp-train negative epsilon",
        ["dp-train", "--target-epsilon", "-1", "--profile", "smoke", "--out", "{tmp}/p"],
        2,
        ["target_epsilon=-1"],
    ),
    (
        "dp-train delta too large for the set",
        [
            "dp-train",
            "--target-epsilon",
            "3",
            "--delta",
            "0.01",
            "--profile",
            "smoke",
            "--out",
            "{tmp}/p",
        ],
        2,
        ["delta=0.01", "1/256"],
    ),
    (
        "dp-train with spectral norm",
        [
            "dp-train",
            "--target-epsilon",
            "3",
            "--profile",
            "smoke",
            "--set",
            "model.spectral_norm=True",
            "--out",
            "{tmp}/p",
        ],
        2,
        ["spectral_norm=False"],
    ),
    (
        "dp-train a budget no noise can keep",
        ["dp-train", "--target-epsilon", "1e-9", "--profile", "smoke", "--out", "{tmp}/p"],
        2,
        ["no noise reaches epsilon", "larger epsilon"],
    ),
    (
        "dp-train resume of nothing",
        ["dp-train", "--resume", "--out", "{tmp}/none"],
        2,
        ["cannot resume"],
    ),
    (
        "audit a run without members",
        ["audit", "--checkpoint", "{run}", "--json"],
        2,
        ["fixed set", "data.clips"],
    ),
    (
        "audit a missing run",
        ["audit", "--checkpoint", "{tmp}/nothing", "--json"],
        2,
        ["does not exist"],
    ),
    # -- course and student
    (
        "course unknown profile",
        ["course", "--profile", "fast", "--notebooks", "{notebooks}", "--out", "{tmp}/c"],
        2,
        ["unknown profile 'fast'"],
    ),
    (
        "course unknown notebook",
        ["course", "--only", "99", "--notebooks", "{notebooks}", "--out", "{tmp}/c"],
        2,
        ["--only '99'"],
    ),
    (
        "course into its notebooks",
        [
            "course",
            "--profile",
            "smoke",
            "--only",
            "00",
            "--notebooks",
            "{notebooks}",
            "--out",
            "{notebooks}",
        ],
        2,
        ["notebooks"],
    ),
    (
        "student into its notebooks",
        ["student", "--notebooks", "{notebooks}", "--out", "{notebooks}"],
        2,
        ["notebooks"],
    ),
]


def build_fixtures(tmp: Path) -> dict[str, str]:
    """Make the runs, files and crafted checkpoints the cases refer to; return the placeholders."""
    from vidgen_edu.cli import main
    from vidgen_edu.training.checkpoint import load_checkpoint, save_atomic

    scratch, places = tmp / "scratch", {}
    scratch.mkdir(parents=True)
    places["tmp"] = str(scratch)
    for name, extra in (("run", ["--set", "model.num_classes=10"]), ("run_u", [])):
        out = tmp / name
        assert main(["train", *SMOKE, *TINY, *extra, "--out", str(out)]) == 0, name
        places[name] = str(out)
    places["file"] = str(tmp / "a-file.txt")
    Path(places["file"]).write_text("not a folder\n")
    notebooks = tmp / "notebooks"
    notebooks.mkdir()
    shutil.copy(Path(__file__).parents[1] / "notebooks" / "00_overview.ipynb", notebooks)
    places["notebooks"] = str(notebooks)

    ckpt = load_checkpoint(Path(places["run"]) / "last.pt")
    crafted = {
        "garbage": b"this is not a checkpoint",
        "malicious": pickle.dumps(_Exploit()),
        "no_config": {k: v for k, v in ckpt.items() if k != "config"}
        | {"format": "vidgen_edu.checkpoint/1", "train_config": {}, "data_spec": {}},
        "bad_type": {
            **ckpt,
            "config": {**ckpt["config"], "model": {**ckpt["config"]["model"], "ngf": "wide"}},
        },
        "bad_ema": {**ckpt, "ema": {k: torch.zeros(3) for k in ckpt["ema"]}},
    }
    for name, content in crafted.items():
        path = tmp / f"{name}.pt"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            save_atomic(content, path)
        places[name] = str(path)
    return places


class _Exploit:
    """A pickle that would run a command when unpickled without ``weights_only``."""

    def __reduce__(self):
        return (print, ("this must never run",))


def expand(argv: list[str], places: dict[str, str]) -> list[str]:
    return [a.format(**places) for a in argv]


def judge(status: int, err: str, expected: int, phrases: list[str]) -> str:
    """'' for a good answer, else what was wrong with it."""
    lines = err.strip().splitlines()
    problems = []
    if status != expected:
        problems.append(f"exit {status}, expected {expected}")
    if len(lines) != 1:
        problems.append(f"{len(lines)} lines on stderr")
    if "Traceback" in err or "internal error" in err:
        problems.append("a traceback or 'internal error'")
    problems += [f"no {p!r}" for p in phrases if p not in err]
    return "; ".join(problems)
