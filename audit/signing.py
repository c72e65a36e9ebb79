"""The server's Ed25519 signing key (settings.VRM_SIGNING_KEY): signs checkpoints and consent receipts.

The only module in ``audit`` that holds the private key. Verification uses the
public key through ``audit.standalone_verify``, exactly as an offline auditor does.
"""

import base64
import json
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from audit import standalone_verify


@lru_cache(maxsize=4)
def _private_key(seed_b64):
    try:
        seed = base64.urlsafe_b64decode(seed_b64 + "=" * (-len(seed_b64) % 4))
    except ValueError:
        raise ImproperlyConfigured("VRM_SIGNING_KEY must be base64url") from None
    if len(seed) != 32:
        raise ImproperlyConfigured("VRM_SIGNING_KEY must be the base64url of a 32-byte Ed25519 seed")
    return Ed25519PrivateKey.from_private_bytes(seed)


def private_key():
    return _private_key(settings.VRM_SIGNING_KEY)


def public_jwk():
    """The public key as a JWK (with its RFC 7638 thumbprint as kid)."""
    raw = private_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    x = standalone_verify.b64url_encode(raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": standalone_verify.jwk_thumbprint(x), "alg": "EdDSA",
            "use": "sig"}


def key_id():
    return public_jwk()["kid"]


def public_keys():
    """{kid: public key} for verification, the same shape the offline verifier loads."""
    return standalone_verify.load_public_keys({"keys": [public_jwk()]})


def sign(message):
    """Base64url Ed25519 signature of these bytes."""
    return standalone_verify.b64url_encode(private_key().sign(message))


@lru_cache(maxsize=4)
def _receipt_header_b64(seed_b64):
    """The base64url protected header of this key's receipts: the same for every receipt, so built once."""
    header = {"alg": "EdDSA", "kid": key_id(), "typ": standalone_verify.RECEIPT_TYPE}
    return standalone_verify.b64url_encode(json.dumps(header).encode("ascii"))


def sign_jws(payload):
    """Compact JWS (EdDSA, RFC 7515/8037) of the canonical JSON of payload, with kid and typ in the protected header.

    Built directly on the Ed25519 key (header.payload, base64url, signed as ASCII) rather than through a
    JOSE library, whose per-token objects cost several times the signature itself on a sweep of thousands
    of receipts. audit/standalone_verify.py reads exactly these three parts.
    """
    # No float check: a JWS signs these exact bytes, so a verifier never re-encodes the payload (the entries of
    # the hash chain, which are re-encoded from stored columns, keep the check).
    payload_b64 = standalone_verify.b64url_encode(standalone_verify.canonical_json(payload, check=False))
    signing_input = f"{_receipt_header_b64(settings.VRM_SIGNING_KEY)}.{payload_b64}"
    return f"{signing_input}.{sign(signing_input.encode('ascii'))}"
