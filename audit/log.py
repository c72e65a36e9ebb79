"""Appending to the audit log: grant events and vendor reads/writes, hash-chained.

The recording functions must run inside the caller's ``transaction.atomic()``,
so that entries commit (or roll back) with the change or the response they
record. Appends are serialised, so that concurrent writers in any number of
processes never fork the chain: on PostgreSQL by a transaction-scoped advisory
lock, on SQLite by its IMMEDIATE transactions (one writer at a time). An append
of one entry or of a batch is one lock, one indexed read of the chain head and
one multi-row insert, all plain SQL built once (on the read path, building them
through the ORM cost more than running them); a batch is chained in Python in
order, so it hashes exactly like the same entries appended one by one. Entries
never hold profile values: only attribute keys, ids, a pseudonym, an outcome.
"""

from datetime import timezone as dt_timezone
from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from audit import chain
from audit.models import AuditEntry
from audit.pseudonyms import pseudonym_for

GRANT_EVENTS = (
    "created", "changed", "narrowed", "paused", "resumed", "revoked", "expired",
    "retention_ended", "deletion_requested", "deletion_confirmed", "deletion_overdue",
    # The grant's record is deleted with its erased account after the grace period; the log keeps its history.
    "purged",
)
# Events that change a grant's terms or status: each yields a signed consent receipt.
RECEIPT_EVENTS = ("created", "changed", "narrowed", "paused", "resumed", "revoked", "expired")
ACCESS_ACTIONS = ("read", "write")
ACCESS_OUTCOMES = ("ok", "refused")

# Key of the PostgreSQL advisory lock that serialises appends (any constant bigint, used nowhere else).
CHAIN_LOCK_KEY = 0x5652_4D41_5544_4954 & 0x7FFF_FFFF_FFFF_FFFF
# Rows per multi-row INSERT: at 16 parameters a row, far below PostgreSQL's and SQLite's limits.
INSERT_ROWS = 500
# Batches (a sweep's) reach PostgreSQL by COPY; a single row (a request's own entry) by one INSERT.
COPY_ROWS = 2


class InvalidAuditEntry(ValueError):
    """An entry that cannot be recorded as asked (unknown event, a value instead of a key, ...)."""


def actor_label(actor):
    """Who acted, without naming them: their role and pseudonym, or "system" for sweeps and tasks."""
    if actor is None:
        return "system"
    return f"{actor.role}:{pseudonym_for(actor.pk)}"


@cache
def _head_sql(vendor):
    """The statement that takes the chain lock and reads the head (seq, hash), built once per vendor.

    On PostgreSQL it is two statements in one round trip: under READ COMMITTED each statement takes its
    own snapshot, so the head is read after the transaction-scoped advisory lock is held and sees the
    previous holder's commit. On SQLite the IMMEDIATE transaction Django opened already serialises
    writers, so the head read alone suffices.
    """
    quote = connection.ops.quote_name
    table = quote(AuditEntry._meta.db_table)
    head = f"SELECT {quote('seq')}, {quote('hash')} FROM {table} ORDER BY {quote('seq')} DESC LIMIT 1"
    if vendor == "postgresql":
        return f"SELECT pg_advisory_xact_lock({int(CHAIN_LOCK_KEY)}); {head}"
    if vendor == "sqlite":
        if connection.settings_dict.get("OPTIONS", {}).get("transaction_mode") != "IMMEDIATE":
            raise ImproperlyConfigured("the audit log needs SQLite's IMMEDIATE transaction mode")
        return head
    raise ImproperlyConfigured(f"the audit log does not support the {vendor} database")


def _lock_and_read_head():
    """Take the chain lock, then read the head (seq, hash) or None. The lock is held until this
    transaction commits, so every round trip saved here is time every other audited request no
    longer waits."""
    with connection.cursor() as cursor:
        cursor.execute(_head_sql(connection.vendor))
        if connection.vendor == "postgresql":
            cursor.nextset()  # past the lock's empty result to the head's
        return cursor.fetchone()


@cache
def _insert_sql(model, key, vendor):
    """(INSERT up to VALUES, one row's placeholders, RETURNING clause, inserted fields) for model here.

    A primary key the database generates comes back with ``key``, a unique column
    the caller already knows, to match rows without relying on RETURNING's order.
    """
    quote = connection.ops.quote_name
    pk = model._meta.pk
    fields = [field for field in model._meta.concrete_fields if not (field.primary_key and pk.db_returning)]
    insert = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) VALUES "
    row = f"({', '.join(['%s'] * len(fields))})"
    returning = f" RETURNING {quote(pk.column)}, {quote(key)}" if pk.db_returning else ""
    return insert, row, returning, fields


def _copy_rows(model, objs, fields, key, by_key):
    """PostgreSQL's COPY for a large batch (a sweep's): the rows stream without an SQL text to build and
    parse, which the multi-row INSERT spent most of its time on. Generated keys are read back by `key`."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(quote(field.column) for field in fields)}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields])
        if by_key:
            cursor.execute(
                f"SELECT {quote(model._meta.pk.column)}, {quote(key)} FROM {table} WHERE {quote(key)} = ANY(%s)",
                [list(by_key)],
            )
            for pk, value in cursor.fetchall():
                by_key[value].pk = pk


def insert_rows(objs, *, key=None):
    """Insert unsaved instances of one append-only model with multi-row INSERTs; returns them, saved.

    Plain SQL built once per model: Django's bulk_create on PostgreSQL sends
    arrays for UNNEST, whose client-side quoting cost more than the INSERT.
    ``key`` (a unique field already set) matches the primary keys the database
    generates to their rows; a model whose keys the caller sets needs none.
    """
    if not objs:
        return objs
    model = type(objs[0])
    insert, row, returning, fields = _insert_sql(model, key, connection.vendor)
    by_key = {getattr(obj, key): obj for obj in objs} if returning else {}
    if connection.vendor == "postgresql" and len(objs) >= COPY_ROWS:
        _copy_rows(model, objs, fields, key, by_key)
    else:
        for start in range(0, len(objs), INSERT_ROWS):
            chunk = objs[start:start + INSERT_ROWS]
            params = [field.get_db_prep_save(getattr(obj, field.attname), connection) for obj in chunk for field in fields]
            with connection.cursor() as cursor:
                cursor.execute(insert + ", ".join([row] * len(chunk)) + returning, params)
                for pk, value in cursor.fetchall() if returning else ():
                    by_key[value].pk = pk
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
    return objs


def _append(entries):
    """Chain these entries (dicts of the body's fields, in order) onto the head and insert them all.

    One lock, one head read and one INSERT per INSERT_ROWS entries, whatever the count; every hash is
    computed before anything is written, so an entry that cannot be encoded leaves the log unchanged.
    """
    with transaction.atomic(savepoint=False):
        head = _lock_and_read_head()
        seq, prev_hash = (head[0] + 1, head[1]) if head else (1, chain.GENESIS_HASH)
        rows = []
        for values in entries:
            values = dict(values, version=chain.FORMAT_VERSION, prev_hash=prev_hash)
            try:
                digest = chain.entry_hash(chain.entry_body(**values))
            except TypeError as error:
                raise InvalidAuditEntry(str(error)) from None
            rows.append(dict(values, seq=seq, hash=digest))
            seq, prev_hash = seq + 1, digest
        return insert_rows([AuditEntry(**values) for values in rows], key="seq")


def _moment(now):
    # Stored and hashed in UTC, so the value read back encodes to the same bytes.
    return (now or timezone.now()).astimezone(dt_timezone.utc)


def _iso(value):
    return chain.format_time(value) if value else None


def grant_snapshot(grant):
    """The grant's terms and status as recorded with each event (ids and terms, never profile values)."""
    return {
        "status": grant.status,
        "scopes": sorted(grant.scopes),
        "purpose": grant.purpose,
        "starts_at": _iso(grant.starts_at),
        "expires_at": _iso(grant.expires_at),
        "retention_seconds": int(grant.retention.total_seconds()),
        "max_reads_per_day": grant.max_reads_per_day,
        "paused_until": _iso(grant.paused_until),
        "retention_ends_at": _iso(grant.retention_ends_at),
    }


def record_grant_event(grant, event, *, actor=None, reason="", detail=None, now=None):
    """Append a grant event; for events that change terms or status, also issue a signed receipt.

    Call inside the transaction that changes the grant, after the change (the
    entry records the grant's new state). Returns the entry.
    """
    return record_grant_events([grant], event, actor=actor, reason=reason, detail=detail, now=now)[0]


def record_grant_events(grants, event, *, actor=None, reason="", detail=None, now=None):
    """Append the same event for each of these grants, in order; with receipts as record_grant_event.

    The batch form of record_grant_event for sweeps and bulk changes: one chain
    lock, one head read, the entries chained in Python and inserted together,
    then the receipts in one query for their versions and one insert. The chain
    is exactly what one record_grant_event per grant would have written. Raises
    InvalidAuditEntry (nothing written) for an unknown event or a bad detail.
    Returns the entries, in the order of ``grants``.
    """
    from audit.receipts import issue_receipts

    if event not in GRANT_EVENTS:
        raise InvalidAuditEntry(f"unknown grant event {event!r}")
    if detail is not None and not isinstance(detail, dict):
        raise InvalidAuditEntry("detail must be a dict of ids and terms")
    grants = list(grants)
    if not grants:
        return []
    at, who, why = _moment(now), actor_label(actor), str(reason)[:1000]
    with transaction.atomic(savepoint=False):
        entries = _append([
            dict(
                kind=AuditEntry.Kind.GRANT, event=event, at=at, grant_id=grant.pk, client_pk=grant.client_id,
                person=pseudonym_for(grant.person_id), actor=who, fields=[], outcome="ok", request_id="",
                reason=why, detail={**grant_snapshot(grant), **(detail or {})},
            )
            for grant in grants
        ])
        if event in RECEIPT_EVENTS:
            issue_receipts(grants, entries, now=at)
    return entries


def record_access(grant, *, action, fields, outcome, request_id="", reason="", now=None):
    """Append a vendor read or write under this grant: which attribute keys, the outcome, the request id.

    ``fields`` are attribute keys, never values. Call in the transaction that
    produces the response. Returns the entry.
    """
    if action not in ACCESS_ACTIONS:
        raise InvalidAuditEntry(f"action must be one of {ACCESS_ACTIONS}, not {action!r}")
    if outcome not in ACCESS_OUTCOMES:
        raise InvalidAuditEntry(f"outcome must be one of {ACCESS_OUTCOMES}, not {outcome!r}")
    keys = list(fields)
    if not all(isinstance(key, str) and 0 < len(key) <= 100 for key in keys):
        raise InvalidAuditEntry("fields are attribute keys (short strings), never values")
    return _append([dict(
        kind=AuditEntry.Kind.ACCESS, event=action, at=_moment(now), grant_id=grant.pk, client_pk=grant.client_id,
        person=pseudonym_for(grant.person_id), actor="vendor", fields=sorted(set(keys)), outcome=outcome,
        request_id=str(request_id)[:100], reason=str(reason)[:1000], detail={},
    )])[0]
