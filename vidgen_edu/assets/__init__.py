"""Weights the project trained itself, and the manifest that says how each was made.

``manifest.json`` maps each asset's file name to how it was made (the command, the data, the seed,
the steps), its sha256 and its measured metrics. Loading a shipped asset checks its sha256 against
the manifest first, so a corrupt or replaced file is an error, not a silent wrong result.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from vidgen_edu.errors import AssetError
from vidgen_edu.files import write_text_atomic

ASSETS = Path(__file__).resolve().parent
MANIFEST = ASSETS / "manifest.json"


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_entry(name: str, *, manifest: Path | None = None) -> dict:
    """The manifest's entry for an asset file name (how it was made, sha256, metrics)."""
    manifest = MANIFEST if manifest is None else manifest
    try:
        entries = json.loads(Path(manifest).read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise AssetError(
            f"cannot read the asset manifest {manifest}: {err}; reinstall vidgen-edu"
        ) from err
    if name not in entries:
        raise AssetError(
            f"the asset manifest {manifest} has no entry {name!r}; reinstall vidgen-edu"
        )
    return entries[name]


def update_manifest(manifest: Path, name: str, entry: dict) -> None:
    """Set ``manifest[name] = entry``, keeping the other assets' entries (atomic write)."""
    manifest = Path(manifest)
    entries = json.loads(manifest.read_text()) if manifest.is_file() else {}
    entries[name] = entry
    write_text_atomic(manifest, json.dumps(entries, indent=2, sort_keys=True) + "\n")


def verify(path: str | Path, sha256: str) -> Path:
    """``path`` if its bytes have the expected sha256, else an ``AssetError`` that says what to do."""
    path = Path(path)
    actual = sha256_of(path)
    if actual != sha256:
        raise AssetError(
            f"{path} has sha256 {actual[:12]}..., expected {sha256[:12]}... from the manifest: the "
            "file is corrupt or was replaced; reinstall vidgen-edu or retrain it"
        )
    return path


def shipped(name: str) -> Path:
    """The path of the shipped asset ``name``, checked against its manifest entry."""
    path = ASSETS / name
    entry = manifest_entry(name)
    if not path.is_file():
        raise AssetError(f"the shipped asset {path} is missing; reinstall vidgen-edu")
    return verify(path, entry["sha256"])
