"""Envelope encryption for the vault: the only module that touches keys and `cryptography` primitives.

Each person has a random 256-bit data key (DEK). It is stored only wrapped
(AES-256-GCM) by a master key (KEK) from ``settings.VRM_MASTER_KEYS``, newest
first; the wrapped key carries the id of the master key that wrapped it, so
rotation re-wraps DEKs without re-encrypting any value. The wrapped key is bound
to its reference in the key store (``key_ref``), so it opens under no other. Every value is sealed
with AES-256-GCM under the DEK, with a fresh 96-bit nonce and associated data
naming the person and the attribute (or record) it belongs to: a ciphertext
copied to another row fails to open.

Nothing here turns a failed decryption into a default: every failure raises
:class:`DecryptionError`.
"""

import base64
import functools
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12
KEY_BYTES = 32
# Versioned prefixes, so a future format can be told apart from this one.
SEALED_FORMAT = b"\x01"
WRAP_CONTEXT = b"vrm:dek:v1:"
VALUE_CONTEXT = "vrm:value:v1:"


class DecryptionError(Exception):
    """A ciphertext could not be opened: tampered with, copied to another row, or its key is gone."""


@dataclass(frozen=True)
class WrappedKey:
    """A data key as stored: ciphertext plus the id of the master key that wrapped it."""

    ciphertext: bytes
    key_id: str


class DataKey:
    """A person's unwrapped data key, held in memory for one operation only; never printed."""

    __slots__ = ("_aead", "_owner")

    def __init__(self, raw, owner):
        self._aead = AESGCM(raw)
        self._owner = str(owner)

    def __repr__(self):
        return f"<DataKey of {self._owner}>"

    def seal(self, plaintext: bytes, context: str) -> bytes:
        """Encrypt `plaintext` bound to `context` (which names the row); fresh nonce every time."""
        nonce = os.urandom(NONCE_BYTES)
        return SEALED_FORMAT + nonce + self._aead.encrypt(nonce, plaintext, self._aad(context))

    def open(self, sealed: bytes, context: str) -> bytes:
        """Decrypt a value sealed by :meth:`seal` for the same context; raise DecryptionError otherwise."""
        sealed = bytes(sealed or b"")
        if len(sealed) < 1 + NONCE_BYTES + 16 or sealed[:1] != SEALED_FORMAT:
            raise DecryptionError("the stored value is not a sealed value of a known format")
        nonce, ciphertext = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, ciphertext, self._aad(context))
        except InvalidTag:
            raise DecryptionError(
                "the stored value failed its integrity check: it was altered or does not belong to this row"
            ) from None

    def _aad(self, context):
        return f"{VALUE_CONTEXT}{self._owner}:{context}".encode()


def _decode_master_key(encoded):
    try:
        raw = base64.urlsafe_b64decode(encoded.encode() + b"=" * (-len(encoded) % 4))
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise ImproperlyConfigured("each VRM_MASTER_KEYS entry must be base64url of exactly 32 bytes")
    return raw


def key_id_for(raw_master_key: bytes) -> str:
    """A stable, non-secret name for a master key: a truncated hash, so the order in settings can change."""
    return hashlib.sha256(b"vrm:kek-id:" + raw_master_key).hexdigest()[:16]


def master_keys() -> dict[str, bytes]:
    """The loaded master keys by id, newest first (dicts keep insertion order)."""
    return dict(_master_keys(tuple(settings.VRM_MASTER_KEYS)))


@functools.lru_cache(maxsize=8)
def _master_keys(encoded_keys):
    # Decoded once per key list, not once per data key: rotation unwraps and wraps thousands in a row.
    keys = {}
    for encoded in encoded_keys:
        raw = _decode_master_key(encoded)
        keys[key_id_for(raw)] = raw
    if not keys:
        raise ImproperlyConfigured("VRM_MASTER_KEYS holds no key")
    return tuple(keys.items())


def newest_key_id() -> str:
    return next(iter(master_keys()))


def _wrap_aad(key_ref):
    return WRAP_CONTEXT + str(key_ref).encode()


def _wrap(raw_dek, key_ref):
    key_id, kek = next(iter(master_keys().items()))
    nonce = os.urandom(NONCE_BYTES)
    return WrappedKey(nonce + AESGCM(kek).encrypt(nonce, raw_dek, _wrap_aad(key_ref)), key_id)


def _unwrap_raw(wrapped: WrappedKey, key_ref) -> bytes:
    if not wrapped.ciphertext:
        raise DecryptionError("this person's data key was destroyed (the vault was erased)")
    kek = master_keys().get(wrapped.key_id)
    if kek is None:
        raise DecryptionError(f"master key {wrapped.key_id} that wrapped this data key is not loaded")
    blob = bytes(wrapped.ciphertext)
    try:
        return AESGCM(kek).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _wrap_aad(key_ref))
    except InvalidTag:
        raise DecryptionError("the wrapped data key failed its integrity check") from None


def new_data_key(owner, key_ref=None) -> tuple[DataKey, WrappedKey]:
    """A fresh random 256-bit data key for `owner` (the person's id), and its wrapped form to store.

    The wrapped form is bound to `key_ref`, its reference in the key store (`owner` when not given).
    """
    raw = AESGCM.generate_key(bit_length=256)
    return DataKey(raw, owner), _wrap(raw, owner if key_ref is None else key_ref)


def unwrap(wrapped: WrappedKey, owner, key_ref=None) -> DataKey:
    """The data key of `owner`; raises DecryptionError if destroyed, tampered, or its master key is missing.

    `key_ref` is what the wrapped key was bound to when made (`owner` when not given).
    """
    return DataKey(_unwrap_raw(wrapped, owner if key_ref is None else key_ref), owner)


def rewrap(wrapped: WrappedKey, key_ref) -> WrappedKey:
    """The same data key wrapped under the newest master key (rotation never touches sealed values).

    Needs only the key store's own row: the wrapped key and the `key_ref` it is bound to.
    """
    return rebind(wrapped, key_ref, key_ref)


def rebind(wrapped: WrappedKey, bound_to, key_ref) -> WrappedKey:
    """The same data key, now bound to `key_ref` and wrapped under the newest master key.

    Moves a data key to a new reference (e.g. into the key store) without touching sealed values.
    """
    return _wrap(_unwrap_raw(wrapped, bound_to), key_ref)
