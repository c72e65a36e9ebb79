#!/usr/bin/env python3
"""Verify an exported VRM audit log, or one consent receipt, offline.

Needs only the Python standard library and ``cryptography``; copy this one
file anywhere. The server uses the very same functions (``audit/chain.py``),
so the offline answer and ``manage.py verify_audit_log`` cannot drift apart.

    python audit/standalone_verify.py log audit-log.jsonl --public-key vrm-signing-key.json
    python audit/standalone_verify.py receipt consent-receipt.json --public-key vrm-signing-key.json

The public key is a JWK or JWK set (as published at /.well-known/vrm-signing-key)
or the base64url ``x`` value; take it from a source you trust, not from the file
you are checking. Exit status 0 means verified, 1 means not, 2 means bad input.

Format (version 1). Each log entry is a JSON object hashed as
SHA-256(canonical JSON), where canonical JSON is UTF-8, keys sorted, no
whitespace, no floats; the object carries ``"v": 1`` and ``"prev"``, the hash of
the entry before it (64 zeros for the first). An entry's number (seq) is its
position in the chain, committed by the chain itself. A checkpoint signs the
canonical JSON of {"v", "log", "size", "head", "at", "kid"} with Ed25519.
"""

import argparse
import base64
import hashlib
import json
import sys
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT_VERSION = 1
GENESIS_HASH = "0" * 64
LOG_NAME = "vrm-audit-log"
RECEIPT_TYPE = "vrm-consent-receipt+jws"


class InputError(ValueError):
    """The input is not in the expected format (as opposed to: well-formed but not genuine)."""


class ReceiptInvalid(ValueError):
    """A receipt whose signature, key or content does not check out."""


# ---------------------------------------------------------------- encoding


def _no_floats(value):
    if isinstance(value, float):
        raise TypeError("floats have no canonical encoding here; use integers or strings")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError("object keys must be strings")
            _no_floats(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _no_floats(item)


def canonical_json(value, *, check=True):
    """The canonical bytes of a JSON value: sorted keys, no whitespace, UTF-8, no floats.

    Writers check for floats (``check=True``); a verifier may skip the check,
    since a float the writer never hashed cannot match the stored hash anyway.
    """
    if check:
        _no_floats(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(body, *, check=True):
    """The hex SHA-256 of an entry body (which includes its version and the previous hash)."""
    return hashlib.sha256(canonical_json(body, check=check)).hexdigest()


def checkpoint_message(*, size, head, at, kid):
    """The bytes a checkpoint signature covers."""
    return canonical_json({"v": FORMAT_VERSION, "log": LOG_NAME, "size": size, "head": head, "at": at, "kid": kid})


def b64url_encode(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    if not isinstance(text, str):
        raise InputError("expected a base64url string")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as error:
        raise InputError(f"not base64url: {error}") from None


# ---------------------------------------------------------------- keys


def jwk_thumbprint(x):
    """The RFC 7638 thumbprint of an Ed25519 public JWK with this ``x``: the key id (kid)."""
    member = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, sort_keys=True, separators=(",", ":"))
    return b64url_encode(hashlib.sha256(member.encode("ascii")).digest())


def public_key_from_x(x):
    raw = b64url_decode(x)
    if len(raw) != 32:
        raise InputError("an Ed25519 public key has 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def load_public_keys(source):
    """{kid: Ed25519PublicKey} from a JWK, a JWK set (dict or JSON text) or a bare base64url ``x``."""
    if isinstance(source, str):
        text = source.strip()
        if not text.startswith("{"):
            return {jwk_thumbprint(text): public_key_from_x(text)}
        try:
            source = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(f"the public key is not valid JSON: {error}") from None
    if not isinstance(source, dict):
        raise InputError("the public key must be a JWK or a JWK set")
    jwks = source.get("keys", [source])
    if not isinstance(jwks, list):
        raise InputError("a JWK set has a list of keys")
    keys = {}
    for jwk in jwks:
        if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            raise InputError("only Ed25519 keys (kty OKP, crv Ed25519) are used")
        keys[jwk_thumbprint(jwk["x"])] = public_key_from_x(jwk["x"])
    if not keys:
        raise InputError("no public key given")
    return keys


def signature_is_valid(public_keys, kid, signature, message):
    key = public_keys.get(kid)
    if key is None:
        return False
    try:
        key.verify(b64url_decode(signature), message)
    except (InvalidSignature, InputError):
        return False
    return True


# ---------------------------------------------------------------- the chain


@dataclass
class Problem:
    """The first thing found wrong, naming the entry (by number) where it shows."""

    seq: int
    kind: str  # changed | removed | reordered | rewritten | bad_checkpoint
    message: str

    def as_dict(self):
        return {"seq": self.seq, "kind": self.kind, "message": self.message}


@dataclass
class ChainResult:
    ok: bool
    size: int  # entries read
    verified_size: int  # entries 1..verified_size are intact
    head: str  # hash of entry verified_size
    checkpoints_checked: int
    problem: Problem | None = None
    checkpoint_problems: list = field(default_factory=list)

    def as_dict(self):
        return {
            "ok": self.ok,
            "size": self.size,
            "verified_size": self.verified_size,
            "head": self.head,
            "checkpoints_checked": self.checkpoints_checked,
            "problem": self.problem.as_dict() if self.problem else None,
        }


class ChainVerifier:
    """Checks entries one at a time, in order, against each other and the signed checkpoints.

    Feed it every entry with ``add(seq, stored_hash, body)`` in ascending seq
    order, then call ``finish()``. Memory stays constant in the number of
    entries (checkpoints are held, they are few).
    """

    def __init__(self, public_keys, checkpoints):
        self.public_keys = public_keys
        self.problem = None
        self.expected_seq = 1
        self.prev = GENESIS_HASH
        self.read = 0
        self.checkpoints = []
        self.by_size = {}
        self.checked = 0
        for checkpoint in checkpoints:
            message = checkpoint_message(
                size=checkpoint["size"], head=checkpoint["head"], at=checkpoint["at"], kid=checkpoint["kid"]
            )
            if not signature_is_valid(public_keys, checkpoint["kid"], checkpoint["signature"], message):
                self._fail(
                    checkpoint["size"],
                    "bad_checkpoint",
                    f"the checkpoint of {checkpoint['at']} (size {checkpoint['size']}) has no valid signature "
                    f"by a known key (kid {checkpoint['kid']})",
                )
                continue
            self.checkpoints.append(checkpoint)
            self.by_size.setdefault(checkpoint["size"], []).append(checkpoint)

    def _fail(self, seq, kind, message):
        if self.problem is None:
            self.problem = Problem(seq, kind, message)

    def add(self, seq, stored_hash, body):
        """Check the next entry; returns False once a problem was found (the rest can be skipped)."""
        if self.problem is not None:
            return False
        self.read += 1
        if seq != self.expected_seq:
            if seq > self.expected_seq:
                missing = (
                    f"entry {self.expected_seq} is missing"
                    if seq == self.expected_seq + 1
                    else f"entries {self.expected_seq} to {seq - 1} are missing"
                )
                self._fail(self.expected_seq, "removed", f"{missing}: removed from the log")
            else:
                self._fail(seq, "reordered", f"entry {seq} appears after entry {self.expected_seq - 1}: reordered")
            return False
        if not isinstance(body, dict) or body.get("v") != FORMAT_VERSION:
            self._fail(seq, "changed", f"entry {seq} has an unknown format version")
            return False
        try:
            computed = entry_hash(body, check=False)
        except (TypeError, ValueError):
            computed = None
        if computed != stored_hash:
            self._fail(seq, "changed", f"entry {seq} does not match its hash: it was changed")
            return False
        if body.get("prev") != self.prev:
            self._fail(
                seq,
                "reordered",
                f"entry {seq} does not follow entry {seq - 1}: entries were reordered, "
                f"or entry {seq - 1} was replaced",
            )
            return False
        for checkpoint in self.by_size.get(seq, ()):
            self.checked += 1
            if checkpoint["head"] != stored_hash:
                self._fail(
                    seq,
                    "rewritten",
                    f"entries up to {seq} do not match the checkpoint signed at {checkpoint['at']}: "
                    "the log was rewritten after it",
                )
                return False
        self.prev = stored_hash
        self.expected_seq += 1
        return True

    def finish(self):
        verified = self.expected_seq - 1
        if self.problem is None:
            beyond = [c for c in self.checkpoints if c["size"] > verified]
            if beyond:
                largest = max(beyond, key=lambda c: c["size"])
                self._fail(
                    verified + 1,
                    "removed",
                    f"the log ends at entry {verified} but the checkpoint signed at {largest['at']} "
                    f"covers {largest['size']} entries: entries from {verified + 1} were removed",
                )
        if self.problem is not None and self.problem.kind != "bad_checkpoint" and self.problem.seq <= verified:
            verified = self.problem.seq - 1
        return ChainResult(
            ok=self.problem is None,
            size=self.read,
            verified_size=verified,
            head=self.prev if verified == self.expected_seq - 1 else "",
            checkpoints_checked=self.checked,
            problem=self.problem,
        )


def _require(record, number, **types):
    for name, kind in types.items():
        if not isinstance(record.get(name), kind) or isinstance(record.get(name), bool):
            raise InputError(f"line {number}: {name!r} is missing or not a {kind.__name__}")


def verify_export(lines, public_keys):
    """Verify an exported log given as an iterable of JSON lines; returns a ChainResult."""
    checkpoints = []
    verifier = None
    header_seen = False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(f"line {number} is not JSON: {error}") from None
        kind = record.get("type") if isinstance(record, dict) else None
        if kind == "header":
            if record.get("format") != LOG_NAME or record.get("version") != FORMAT_VERSION:
                raise InputError("not a VRM audit log export of format version 1")
            header_seen = True
        elif kind == "checkpoint":
            if verifier is not None:
                raise InputError(f"line {number}: checkpoints must come before the entries")
            _require(record, number, size=int, head=str, at=str, kid=str, signature=str)
            checkpoints.append(record)
        elif kind == "entry":
            if verifier is None:
                verifier = ChainVerifier(public_keys, checkpoints)
            _require(record, number, seq=int, hash=str, entry=dict)
            verifier.add(record["seq"], record["hash"], record["entry"])
        else:
            raise InputError(f"line {number}: unknown record type {kind!r}")
    if not header_seen:
        raise InputError("the export has no header line")
    if verifier is None:
        verifier = ChainVerifier(public_keys, checkpoints)
    return verifier.finish()


# ---------------------------------------------------------------- receipts


def extract_jws(document):
    """The compact JWS from a downloaded receipt (JSON with a "jws" member) or from bare JWS text."""
    if isinstance(document, bytes):
        try:
            document = document.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("the receipt is not UTF-8 text") from None
    text = document.strip()
    readable = None
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(f"the receipt is not valid JSON: {error}") from None
        if not isinstance(data, dict) or not isinstance(data.get("jws"), str):
            raise InputError('a receipt file has a "jws" member holding the signed receipt')
        text, readable = data["jws"].strip(), data.get("receipt")
    if text.count(".") != 2 or not text.isascii():
        raise InputError("a signed receipt is a compact JWS: three base64url parts separated by dots")
    return text, readable


def verify_receipt(document, public_keys):
    """Check a receipt's signature; returns (payload dict, kid). Raises ReceiptInvalid or InputError."""
    jws, readable = extract_jws(document)
    header_b64, payload_b64, signature_b64 = jws.split(".")
    try:
        header = json.loads(b64url_decode(header_b64))
        payload = json.loads(b64url_decode(payload_b64))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError("the receipt's header or payload is not JSON") from None
    if not isinstance(header, dict) or header.get("alg") != "EdDSA":
        raise ReceiptInvalid("the receipt is not signed with EdDSA")
    kid = header.get("kid")
    if not isinstance(kid, str) or kid not in public_keys:
        raise ReceiptInvalid(f"the receipt is signed by an unknown key (kid {kid})")
    message = f"{header_b64}.{payload_b64}".encode("ascii")
    if not signature_is_valid(public_keys, kid, signature_b64, message):
        raise ReceiptInvalid("the receipt's signature does not match its content")
    if readable is not None and readable != payload:
        raise ReceiptInvalid("the readable copy in the file differs from the signed receipt")
    return payload, kid


# ---------------------------------------------------------------- command line


def _read_key(value):
    try:
        with open(value, encoding="utf-8") as handle:
            return load_public_keys(handle.read())
    except FileNotFoundError:
        return load_public_keys(value)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Verify a VRM audit log export or consent receipt offline.")
    parser.add_argument("what", choices=["log", "receipt"])
    parser.add_argument("path", help="the exported log (JSON lines) or the receipt file; - for stdin")
    parser.add_argument("--public-key", required=True, help="JWK / JWK set file, or the base64url x value")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)

    try:
        keys = _read_key(args.public_key)
        handle = sys.stdin if args.path == "-" else open(args.path, encoding="utf-8")
        with handle:
            if args.what == "log":
                result = verify_export(handle, keys)
                report = result.as_dict()
                ok = result.ok
                text = (
                    f"verified: {result.verified_size} entries intact, {result.checkpoints_checked} "
                    f"checkpoint(s) matched, head {result.head}"
                    if ok
                    else f"NOT verified: {result.problem.message} (intact up to entry {result.verified_size})"
                )
            else:
                try:
                    payload, kid = verify_receipt(handle.read(), keys)
                    ok, report = True, {"ok": True, "kid": kid, "receipt": payload}
                    text = (
                        f"verified: receipt {payload.get('receipt_id')} for consent record "
                        f"{payload.get('record_id')}, status {payload.get('status')}, signed by {kid}"
                    )
                except ReceiptInvalid as error:
                    ok, report, text = False, {"ok": False, "error": str(error)}, f"NOT verified: {error}"
    except (InputError, OSError) as error:
        print(json.dumps({"ok": False, "error": str(error)}) if args.json else f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
