"""The server's receipt JWS is built directly on its Ed25519 key; a JOSE library that knows nothing of
this code must accept it, with the published public key, and refuse it once a byte changes."""

import pytest
from jwcrypto import jwk, jws
from jwcrypto.common import json_decode

from audit import signing
from audit.standalone_verify import RECEIPT_TYPE, canonical_json

PAYLOAD = {"receipt_id": "r-1", "record_version": 3, "scopes": ["contact:read"], "purposes": [{"code": "delivery"}]}


def public_key():
    return jwk.JWK(**{name: value for name, value in signing.public_jwk().items() if name in ("kty", "crv", "x")})


def test_a_jose_library_verifies_the_receipt_jws_with_the_published_key():
    token = jws.JWS()
    token.deserialize(signing.sign_jws(PAYLOAD))

    token.verify(public_key(), alg="EdDSA")

    assert token.payload == canonical_json(PAYLOAD)
    assert json_decode(token.objects["protected"]) == {"alg": "EdDSA", "kid": signing.key_id(), "typ": RECEIPT_TYPE}


def test_a_jose_library_refuses_the_receipt_jws_once_its_payload_changes():
    header, payload, signature = signing.sign_jws(PAYLOAD).split(".")
    other = signing.sign_jws({**PAYLOAD, "record_version": 4}).split(".")[1]
    token = jws.JWS()
    token.deserialize(".".join([header, other, signature]))

    with pytest.raises(jws.InvalidJWSSignature):
        token.verify(public_key(), alg="EdDSA")
