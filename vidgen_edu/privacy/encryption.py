"""Encryption at rest of dataset files: AES-256-GCM from ``cryptography``, a small file format.

The seed article (section 9.4) asks that training data be encrypted. A file is encrypted with
AES in Galois/Counter Mode (NIST SP 800-38D, 2007), an authenticated cipher: besides hiding the
content it detects any change to the file, so a wrong key or a flipped byte is an error, never
garbage handed to a training run. The cipher is ``cryptography``'s ``AESGCM`` (OpenSSL); nothing
here is a hand-made cipher.

File format, version 1 (all of the header is authenticated as GCM's associated data, so changing
the version, the key id or the nonce is detected like a change to the content)::

    magic    8 bytes   b"VGEDUENC"
    version  1 byte    1
    key id   8 bytes   SHA-256(b"vidgen-edu key id" || key)[:8]: which key, without revealing it
    nonce   12 bytes   random, fresh for every encryption (96 bits, SP 800-38D section 8.2.2)
    sealed   N + 16    ciphertext of the N plaintext bytes, then the 128-bit tag

The nonce rule: a (key, nonce) pair must never encrypt two messages (SP 800-38D section 8);
reusing one reveals the XOR of the two plaintexts and lets an attacker forge tags (Joux 2006,
"Authentication failures in NIST version of GCM", a public comment to NIST). Nonces here are
96 random bits per file, and section 8.3 caps random nonces at 2^32 encryptions per key: rotate
keys long before that.

Keys are :class:`Key` objects whose ``repr`` shows only the key id, so a notebook never prints
the secret; key files are created with permissions 0600 and never overwritten.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vidgen_edu.errors import UsageError, VidgenError
from vidgen_edu.files import atomic_path

MAGIC = b"VGEDUENC"
VERSION = 1
NONCE_BYTES = 12  # 96 bits: GCM's recommended IV length (SP 800-38D section 5.2.1.1)
KEY_ID_BYTES = 8
HEADER_BYTES = len(MAGIC) + 1 + KEY_ID_BYTES + NONCE_BYTES  # 29
MAX_BYTES = 2**31 - 1  # one-shot AESGCM limit in cryptography; larger files need a chunked format
KEY_FILE_HEADER = b"vidgen-edu aes-256-gcm key v1\n"


class DecryptionError(VidgenError, ValueError):
    """An encrypted file that cannot be opened: wrong key, modified, or not one of ours."""


@dataclass(frozen=True)
class Key:
    """A 256-bit AES key. Its ``repr`` shows the key id only: printing a Key reveals nothing."""

    secret: bytes = field(repr=False)  # 32 bytes

    def __post_init__(self):
        if not isinstance(self.secret, bytes) or len(self.secret) != 32:
            raise UsageError("a Key holds 32 bytes (256 bits): make one with generate_key()")

    @property
    def id(self) -> bytes:
        """First 8 bytes of ``SHA-256(b"vidgen-edu key id" || key)``: names the key, hides it."""
        return hashlib.sha256(b"vidgen-edu key id" + self.secret).digest()[:KEY_ID_BYTES]

    def __repr__(self) -> str:
        return f"Key(id={self.id.hex()})"


def generate_key() -> Key:
    """A fresh random 256-bit key (``AESGCM.generate_key``, the OS's random generator)."""
    return Key(AESGCM.generate_key(bit_length=256))


# --- bytes ------------------------------------------------------------------------------------


def encrypt_bytes(data: bytes, key: Key) -> bytes:
    """``header || AES-256-GCM(data)`` with a fresh random nonce and the header as associated data.

    Never call AESGCM with a nonce of your own choosing twice for one key (see the module text).
    """
    if len(data) > MAX_BYTES:
        raise UsageError(f"{len(data)} bytes is over the {MAX_BYTES}-byte limit of one message")
    header = MAGIC + bytes([VERSION]) + key.id + os.urandom(NONCE_BYTES)
    nonce = header[-NONCE_BYTES:]
    return header + AESGCM(key.secret).encrypt(nonce, data, header)


def decrypt_bytes(blob: bytes, key: Key, *, name: str = "the data") -> bytes:
    """The plaintext of :func:`encrypt_bytes`'s output; :class:`DecryptionError` if anything is off.

    Checks, in order: the magic bytes, the version, the key id (a clear "wrong key" message), and
    finally the GCM tag over header and ciphertext (any modified byte). ``name`` goes into errors.
    """
    if len(blob) < HEADER_BYTES + 16 or not blob.startswith(MAGIC):
        raise DecryptionError(
            f"{name} is not a file encrypted by vidgen_edu (no {MAGIC.decode()} header): "
            "check the path"
        )
    header, sealed = blob[:HEADER_BYTES], blob[HEADER_BYTES:]
    if header[len(MAGIC)] != VERSION:
        raise DecryptionError(
            f"{name} uses format version {header[len(MAGIC)]}; this vidgen_edu reads version "
            f"{VERSION}: upgrade vidgen_edu"
        )
    file_key_id = header[len(MAGIC) + 1 : len(MAGIC) + 1 + KEY_ID_BYTES]
    if file_key_id != key.id:
        raise DecryptionError(
            f"{name} was encrypted with another key (id {file_key_id.hex()}; yours is "
            f"{key.id.hex()}), or its header was altered: load the key it was encrypted with"
        )
    try:
        return AESGCM(key.secret).decrypt(header[-NONCE_BYTES:], sealed, header)
    except InvalidTag:
        raise DecryptionError(
            f"{name} failed authentication: it was modified or damaged after encryption; "
            "nothing was decrypted: restore it from a backup"
        ) from None


# --- files ------------------------------------------------------------------------------------


def encrypt_file(src, dst, key: Key) -> str:
    """Encrypt the file ``src`` into ``dst`` (written atomically; ``src`` is left as it is)."""
    return _transform(src, dst, lambda data: encrypt_bytes(data, key))


def decrypt_file(src, dst, key: Key) -> str:
    """Decrypt ``src`` into ``dst``; a wrong key or a modified file raises and writes nothing."""
    return _transform(src, dst, lambda blob: decrypt_bytes(blob, key, name=repr(os.fspath(src))))


def _transform(src, dst, fn) -> str:
    """Read ``src``, write ``fn(bytes)`` to ``dst`` atomically; never overwrite ``src``."""
    src, dst = os.fspath(src), os.fspath(dst)
    if not os.path.isfile(src):
        raise UsageError(f"no such file: {src!r}; check the path")
    if os.path.abspath(src) == os.path.abspath(dst) or (
        os.path.exists(dst) and os.path.samefile(src, dst)
    ):
        raise UsageError(f"refusing to overwrite {src!r} with its own output: give another path")
    with open(src, "rb") as f:
        out = fn(f.read())  # raises before anything is written
    with atomic_path(dst) as tmp:
        tmp.write_bytes(out)
    return dst


# --- key files --------------------------------------------------------------------------------


def write_key(path, key: Key | None = None) -> Key:
    """Save ``key`` (default: a new one) to a new file readable by its owner only (0600).

    An existing file is never replaced (``O_EXCL``): losing a key loses every file encrypted
    with it. The file is two lines: a header naming the format, and the key in base64.
    """
    key = key or generate_key()
    try:
        fd = os.open(os.fspath(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(
            f"{os.fspath(path)!r} exists: a key file is never overwritten; pick a new name"
        ) from None
    with os.fdopen(fd, "wb") as f:
        f.write(KEY_FILE_HEADER + base64.b64encode(key.secret) + b"\n")
        f.flush()
        os.fsync(f.fileno())
    return key


def load_key(path) -> Key:
    """Read a key file written by :func:`write_key`; refuse one that others can read (like ssh)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise UsageError(f"no such key file: {path!r}; make one with write_key(path)")
    if os.name == "posix" and stat.S_IMODE(os.stat(path).st_mode) & 0o077:
        raise UsageError(f"key file {path!r} is readable by others: run chmod 600 on it")
    with open(path, "rb") as f:
        head, body = f.readline(), f.read().strip()
    try:
        secret = base64.b64decode(body, validate=True)
    except ValueError:
        secret = b""
    if head != KEY_FILE_HEADER or len(secret) != 32:
        raise UsageError(f"{path!r} is not a vidgen_edu key file (written by write_key)")
    return Key(secret)
