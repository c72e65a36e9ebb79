"""How a stored entry becomes the body that is hashed, and how the stored chain is read back.

The encoding itself (canonical JSON, SHA-256, version 1) lives in
``audit/standalone_verify.py`` so that the offline verifier and the server
share one definition.
"""

from datetime import timezone as dt_timezone

from audit.standalone_verify import FORMAT_VERSION, GENESIS_HASH, entry_hash  # noqa: F401 (re-exported)

# The stored columns in the order ``entry_body_from_row`` takes them.
ROW_COLUMNS = (
    "seq", "hash", "version", "kind", "event", "at", "grant_id", "client_pk", "person", "actor",
    "fields", "outcome", "request_id", "reason", "detail", "prev_hash",
)


def format_time(value):
    """Timestamps in the chain: UTC, microseconds, a trailing Z."""
    if value.utcoffset():
        value = value.astimezone(dt_timezone.utc)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def format_optional_time(value):
    """format_time, or None for a time not set (a grant's ended_at while it is live)."""
    return format_time(value) if value else None


# The keys of the body that is hashed (see standalone_verify's docstring), in the order of ROW_COLUMNS after
# seq and hash.
BODY_KEYS = (
    "v", "kind", "event", "at", "grant", "client", "person", "actor", "fields", "outcome", "request_id", "reason",
    "detail", "prev",
)


def body_from_values(values):
    """The body from its values in BODY_KEYS order, with `at` and the grant id already as the body's text."""
    return dict(zip(BODY_KEYS, values, strict=True))


def entry_body(*, version, kind, event, at, grant_id, client_pk, person, actor, fields, outcome, request_id,
               reason, detail, prev_hash):
    """The JSON object whose canonical encoding is hashed, from an entry's stored values."""
    return body_from_values((
        version, kind, event, format_time(at), str(grant_id), client_pk, person, actor, list(fields), outcome,
        request_id, reason, detail, prev_hash,
    ))


def entry_body_from_row(row):
    """(seq, stored hash, body) from a ``values_list(*ROW_COLUMNS)`` row."""
    (seq, stored_hash, version, kind, event, at, grant_id, client_pk, person, actor, fields, outcome, request_id,
     reason, detail, prev_hash) = row
    body = entry_body(
        version=version, kind=kind, event=event, at=at, grant_id=grant_id, client_pk=client_pk, person=person,
        actor=actor, fields=fields, outcome=outcome, request_id=request_id, reason=reason, detail=detail,
        prev_hash=prev_hash,
    )
    return seq, stored_hash, body
