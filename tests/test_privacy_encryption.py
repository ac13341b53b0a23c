"""Tests of vidgen_edu.privacy.encryption: format, wrong key, tampering, key files, atomic writes."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vidgen_edu.errors import UsageError, VidgenError
from vidgen_edu.privacy.encryption import (
    HEADER_BYTES,
    MAGIC,
    NONCE_BYTES,
    DecryptionError,
    Key,
    decrypt_bytes,
    decrypt_file,
    encrypt_bytes,
    encrypt_file,
    generate_key,
    load_key,
    write_key,
)


@pytest.fixture
def dataset(tmp_path):
    """A small dataset file, as ``np.save`` writes clips: ``uint8 (4, 8, 16, 16, 1)``."""
    path = tmp_path / "clips.npy"
    np.save(path, np.random.default_rng(0).integers(0, 256, (4, 8, 16, 16, 1), dtype=np.uint8))
    return path


def test_round_trip_gives_back_the_file_and_hides_it(dataset, tmp_path):
    key = generate_key()
    encrypt_file(dataset, tmp_path / "clips.enc", key)
    blob = (tmp_path / "clips.enc").read_bytes()
    plain = dataset.read_bytes()
    assert len(blob) == HEADER_BYTES + len(plain) + 16  # header, ciphertext, 128-bit tag
    assert plain[:64] not in blob  # the .npy header is not readable in the encrypted file
    decrypt_file(tmp_path / "clips.enc", tmp_path / "back.npy", key)
    assert (tmp_path / "back.npy").read_bytes() == plain
    assert np.array_equal(np.load(tmp_path / "back.npy"), np.load(dataset))


def test_format_is_plain_aes_gcm_with_the_header_as_associated_data():
    key = generate_key()
    blob = encrypt_bytes(b"frames", key)
    header = blob[:HEADER_BYTES]
    assert header.startswith(MAGIC) and header[len(MAGIC)] == 1
    assert header[len(MAGIC) + 1 : len(MAGIC) + 9] == key.id
    # any standard AES-GCM implementation opens it with the documented nonce and AAD
    nonce = header[-NONCE_BYTES:]
    assert AESGCM(key.secret).decrypt(nonce, blob[HEADER_BYTES:], header) == b"frames"


def test_every_encryption_draws_a_fresh_nonce():
    key = generate_key()
    blobs = [encrypt_bytes(b"same clip", key) for _ in range(50)]
    assert len({b[HEADER_BYTES - NONCE_BYTES : HEADER_BYTES] for b in blobs}) == 50
    assert len(set(blobs)) == 50


def test_wrong_key_is_a_clear_error(dataset, tmp_path):
    encrypt_file(dataset, tmp_path / "clips.enc", generate_key())
    with pytest.raises(DecryptionError, match="encrypted with another key") as err:
        decrypt_file(tmp_path / "clips.enc", tmp_path / "back.npy", generate_key())
    assert isinstance(err.value, VidgenError) and err.value.exit_status == 2
    assert not (tmp_path / "back.npy").exists()


@pytest.mark.parametrize("where", ["version", "key id", "nonce", "ciphertext", "tag"])
def test_one_flipped_byte_anywhere_is_detected(where):
    key = generate_key()
    blob = bytearray(encrypt_bytes(b"a dataset of faces" * 10, key))
    offsets = {
        "version": len(MAGIC),
        "key id": len(MAGIC) + 3,
        "nonce": HEADER_BYTES - 1,
        "ciphertext": HEADER_BYTES + 7,
        "tag": len(blob) - 1,
    }
    blob[offsets[where]] ^= 0x01
    with pytest.raises(DecryptionError):
        decrypt_bytes(bytes(blob), key)


def test_modified_content_fails_authentication_and_writes_nothing(dataset, tmp_path):
    key = generate_key()
    enc = tmp_path / "clips.enc"
    encrypt_file(dataset, enc, key)
    blob = bytearray(enc.read_bytes())
    blob[HEADER_BYTES + 100] ^= 0x80
    enc.write_bytes(bytes(blob))
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(DecryptionError, match="failed authentication"):
        decrypt_file(enc, tmp_path / "back.npy", key)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no output, no temporary file


def test_not_an_encrypted_file(dataset, tmp_path):
    with pytest.raises(DecryptionError, match="not a file encrypted by vidgen_edu"):
        decrypt_file(dataset, tmp_path / "out", generate_key())


def test_refuses_to_overwrite_the_source(dataset):
    before = dataset.read_bytes()
    with pytest.raises(UsageError, match="refusing to overwrite"):
        encrypt_file(dataset, dataset, generate_key())
    with pytest.raises(UsageError, match="refusing to overwrite"):
        encrypt_file(
            dataset, dataset.parent / ".." / dataset.parent.name / dataset.name, Key(b"k" * 32)
        )
    assert dataset.read_bytes() == before


def test_key_never_shows_its_secret():
    key = generate_key()
    for text in (repr(key), str(key), f"{key}", repr([key])):
        assert key.secret.hex() not in text and repr(key.secret) not in text
        assert key.id.hex() in text
    with pytest.raises(UsageError):
        Key(b"short")


def test_key_file_round_trip_permissions_and_no_overwrite(tmp_path):
    path = tmp_path / "dataset.key"
    key = write_key(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_key(path) == key
    with pytest.raises(UsageError, match="never overwritten"):
        write_key(path)
    assert load_key(path) == key  # the first key is still there


def test_load_key_refuses_shared_broken_or_missing_files(tmp_path):
    path = tmp_path / "k"
    write_key(path)
    os.chmod(path, 0o644)
    with pytest.raises(UsageError, match="readable by others"):
        load_key(path)
    broken = tmp_path / "broken"
    broken.write_bytes(b"vidgen-edu aes-256-gcm key v1\nnot base64!!\n")
    os.chmod(broken, 0o600)
    with pytest.raises(UsageError, match="not a vidgen_edu key file"):
        load_key(broken)
    with pytest.raises(UsageError, match="no such key file"):
        load_key(tmp_path / "missing")
