"""Appending to the audit log: grant events and vendor reads/writes, hash-chained.

Two ways in, one chain:

- A grant event is chained as it is recorded (its consent receipt names the
  entry's seq and hash), inside the caller's ``transaction.atomic()``, so it
  commits or rolls back with the change it records.
- A vendor access (every read and write of the API, allowed or refused) is
  recorded *pending*: one plain INSERT, with no lock and no read of the chain
  head, committed before the response leaves. The sequencer
  (``chain_pending``, run by ``manage.py run_audit_sequencer`` and by beat)
  then chains committed pending entries in the order they were recorded, in
  batches. A read therefore never waits for another read's commit, and
  PostgreSQL flushes many reads' entries to disk at once (group commit).

Whatever writes seq, prev_hash and hash holds the chain lock: on PostgreSQL a
transaction-scoped advisory lock, on SQLite its IMMEDIATE transactions (one
writer at a time). So concurrent writers in any number of processes never fork
the chain, and every batch is chained in Python in order, hashing exactly like
the same entries appended one by one. A grant event first chains what is
pending, so the chain stays in the order things happened. Entries never hold
profile values: only attribute keys, ids, a pseudonym, an outcome.

Nor do they hold free text that someone typed, since an entry outlives the
person's erasure: a key outside the attribute catalogue (a vendor's record
key, a person's custom attribute key, made from its label) is kept as a keyed
hash, and so is a person's reason (whose text the caller keeps where erasure
deletes it) and a vendor's purpose text. The body and its hash are unchanged
in form, so entries written before keep verifying.
"""

from datetime import timezone as dt_timezone
from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Count, Min
from django.utils import timezone

from audit import chain
from audit.models import AuditEntry
from audit.receipts import issue_receipts
from audit.rows import INSERT_ROWS, insert_rows
from vrm.catalogue import CATALOGUE, CATEGORIES, RECORD_CATEGORIES
from vrm.pseudonyms import keyed_hash, pseudonym_for

GRANT_EVENTS = (
    "created", "changed", "narrowed", "paused", "resumed", "revoked", "expired",
    "retention_ended", "deletion_requested", "deletion_confirmed", "deletion_overdue",
    # The grant's record is deleted with its erased account after the grace period; the log keeps its history.
    "purged",
    # A rights request to the grant's vendor (detail: its id, kind, jurisdiction, status, deadline; no text).
    "rights_filed", "rights_answered", "rights_extended", "rights_refused", "rights_reminded", "rights_overdue",
)
# Events that change a grant's terms or status: each yields a signed consent receipt.
RECEIPT_EVENTS = ("created", "changed", "narrowed", "paused", "resumed", "revoked", "expired")
ACCESS_ACTIONS = ("read", "write")
ACCESS_OUTCOMES = ("ok", "refused")

# Key of the PostgreSQL advisory lock that serialises appends (any constant bigint, used nowhere else).
CHAIN_LOCK_KEY = 0x5652_4D41_5544_4954 & 0x7FFF_FFFF_FFFF_FFFF
# Pending entries chained per transaction by the sequencer.
CHAIN_BATCH = 2000
# The columns of a pending entry that its hash covers, in entry_body's keyword names.
BODY_COLUMNS = (
    "version", "kind", "event", "at", "grant_id", "client_pk", "person", "actor", "fields", "outcome",
    "request_id", "reason", "detail",
)


# Keys of a grant event's detail whose values are free text a vendor typed: the entry keeps their keyed hash.
FREE_TEXT_DETAIL_KEYS = ("purpose_text",)
# Marks a keyed hash standing for text in an entry (fields, detail), so a reader never takes it for a key.
HASHED = "#"


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
    head = (
        f"SELECT {quote('seq')}, {quote('hash')} FROM {table} WHERE {quote('seq')} IS NOT NULL "
        f"ORDER BY {quote('seq')} DESC LIMIT 1"
    )
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


def _links(entries, head):
    """(seq, prev_hash, hash) for each of these entries (dicts of entry_body's fields but prev_hash), chained in
    order after `head` ((seq, hash) or None)."""
    seq, prev_hash = head if head else (0, chain.GENESIS_HASH)
    for values in entries:
        seq += 1
        try:
            digest = chain.entry_hash(chain.entry_body(**values, prev_hash=prev_hash))
        except TypeError as error:
            raise InvalidAuditEntry(str(error)) from None
        yield seq, prev_hash, digest
        prev_hash = digest


@cache
def _chain_update_sql(vendor):
    """(UPDATE ... FROM (VALUES, one row's placeholders, the WHERE clause): one statement links many entries.

    Both PostgreSQL and SQLite (3.33 and later) take UPDATE ... FROM, and name a VALUES list's columns
    column1, column2, ...: (id, seq, prev_hash, hash).
    """
    quote = connection.ops.quote_name
    table = quote(AuditEntry._meta.db_table)
    return (
        f"UPDATE {table} SET {quote('seq')} = v.column2, {quote('prev_hash')} = v.column3, "
        f"{quote('hash')} = v.column4 FROM (VALUES ",
        "(%s, %s, %s, %s)",
        f") AS v WHERE {table}.{quote('id')} = v.column1 AND {table}.{quote('seq')} IS NULL",
    )


def _chain_pending_locked(head, limit=None):
    """With the chain lock held: chain up to `limit` committed pending entries after `head`, oldest first.

    Returns (how many, the new head). The entries' values are read back from the database and
    hashed as stored, so the verifier recomputes exactly these hashes.
    """
    pending = AuditEntry.objects.pending().order_by("id").values_list("id", *BODY_COLUMNS)
    rows = list(pending[:limit] if limit else pending)
    if not rows:
        return 0, head
    chained = _links((dict(zip(BODY_COLUMNS, values)) for _, *values in rows), head)
    links = [(entry_id, *link) for (entry_id, *_), link in zip(rows, chained, strict=True)]
    update, row, where = _chain_update_sql(connection.vendor)
    linked = 0
    with connection.cursor() as cursor:
        for start in range(0, len(links), INSERT_ROWS):
            chunk = links[start:start + INSERT_ROWS]
            cursor.execute(update + ", ".join([row] * len(chunk)) + where, [value for link in chunk for value in link])
            linked += cursor.rowcount
    if linked != len(links):
        raise RuntimeError(f"chained {linked} of {len(links)} pending audit entries; rolled back")
    return len(links), (links[-1][1], links[-1][3])


def chain_pending(*, batch=CHAIN_BATCH):
    """The sequencer's step: chain every committed pending entry, `batch` per transaction; returns how many.

    Safe to run from any number of processes at once (each batch holds the chain lock). An entry
    whose transaction commits after a batch was read is chained by the next call.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    total = 0
    while True:
        with transaction.atomic():
            count, _head = _chain_pending_locked(_lock_and_read_head(), batch)
        total += count
        if count < batch:
            return total


def pending_summary():
    """(number of entries waiting for the sequencer, when the oldest was recorded or None), in one query."""
    summary = AuditEntry.objects.pending().aggregate(count=Count("id"), oldest=Min("at"))
    return summary["count"], summary["oldest"]


def _append(entries):
    """Chain these entries (dicts of the body's fields, in order) onto the head and insert them all.

    One lock, one head read, the pending entries chained first (usually none or a few), and one
    INSERT per INSERT_ROWS entries; every new hash is computed before any of them is written, so an
    entry that cannot be encoded adds nothing to the log.
    """
    with transaction.atomic(savepoint=False):
        head = _lock_and_read_head()
        count = CHAIN_BATCH
        while count == CHAIN_BATCH:
            count, head = _chain_pending_locked(head, CHAIN_BATCH)
        entries = [dict(values, version=chain.FORMAT_VERSION) for values in entries]
        return insert_rows([
            AuditEntry(**values, seq=seq, prev_hash=prev_hash, hash=digest)
            for values, (seq, prev_hash, digest) in zip(entries, _links(entries, head), strict=True)
        ], key="seq")


def _moment(now):
    # Stored and hashed in UTC, so the value read back encodes to the same bytes.
    return (now or timezone.now()).astimezone(dt_timezone.utc)


@cache
def _catalogue_fields():
    return frozenset({f"{category}.{key}" for category, key, *_ in CATALOGUE}
                     | {f"{category}.records" for category in RECORD_CATEGORIES})


def field_for_log(key):
    """How the log names a field: a catalogue key ("contact.email") as it is; any other key, which a vendor
    (record keys) or the person (custom attributes, named after their label) chose, as "#" and its keyed
    hash, after its category when it has one ("contact.#..."), so no chosen text reaches the log."""
    if key in _catalogue_fields():
        return key
    category, dot, rest = key.partition(".")
    if dot and category in CATEGORIES:
        return f"{category}.{HASHED}{keyed_hash('field', rest)}"
    return HASHED + keyed_hash("field", key)


def reason_hash(text):
    """The keyed hash that stands in an entry for a reason the person typed (see record_grant_events)."""
    return HASHED + keyed_hash("reason", text)


def _detail_for_log(detail):
    """The detail with every free-text value (FREE_TEXT_DETAIL_KEYS, at any depth) replaced by its keyed hash."""
    if isinstance(detail, dict):
        return {
            key: (HASHED + keyed_hash(key, value) if value else value)
            if key in FREE_TEXT_DETAIL_KEYS and isinstance(value, str) else _detail_for_log(value)
            for key, value in detail.items()
        }
    if isinstance(detail, list):
        return [_detail_for_log(value) for value in detail]
    return detail


def grant_snapshot(grant):
    """The grant's terms and status as recorded with each event (ids and terms, never profile values)."""
    return {
        "status": grant.status,
        "scopes": sorted(grant.scopes),
        "purpose": grant.purpose,
        "starts_at": chain.format_optional_time(grant.starts_at),
        "expires_at": chain.format_optional_time(grant.expires_at),
        "retention_seconds": int(grant.retention.total_seconds()),
        "max_reads_per_day": grant.max_reads_per_day,
        "paused_until": chain.format_optional_time(grant.paused_until),
        "retention_ends_at": chain.format_optional_time(grant.retention_ends_at),
    }


def record_grant_event(grant, event, *, actor=None, reason="", reason_text="", detail=None, now=None):
    """Append a grant event; for events that change terms or status, also issue a signed receipt.

    Call inside the transaction that changes the grant, after the change (the
    entry records the grant's new state). Returns the entry.
    """
    return record_grant_events(
        [grant], event, actor=actor, reason=reason, reason_text=reason_text, detail=detail, now=now
    )[0]


def record_grant_events(grants, event, *, actor=None, reason="", reason_text="", detail=None, now=None):
    """Append the same event for each of these grants, in order; with receipts as record_grant_event.

    The batch form of record_grant_event for sweeps and bulk changes: one chain
    lock, one head read, the entries chained in Python and inserted together,
    then the receipts in one query for their versions and one insert. The chain
    is exactly what one record_grant_event per grant would have written. Raises
    InvalidAuditEntry (nothing written) for an unknown event or a bad detail.
    Returns the entries, in the order of ``grants``.

    ``reason`` is the system's own wording (a fixed phrase from the code), kept
    as it is; ``reason_text`` is what the person typed: the entry keeps only its
    keyed hash (detail ``reason_text``), and the caller keeps the text where
    erasure deletes it. Free text in ``detail`` (a vendor's purpose text) is
    kept as a keyed hash too.
    """
    if event not in GRANT_EVENTS:
        raise InvalidAuditEntry(f"unknown grant event {event!r}")
    if detail is not None and not isinstance(detail, dict):
        raise InvalidAuditEntry("detail must be a dict of ids and terms")
    grants = list(grants)
    if not grants:
        return []
    at, who, why = _moment(now), actor_label(actor), str(reason)[:1000]
    typed = {"reason_text": reason_hash(reason_text)} if reason_text else {}
    extra = _detail_for_log(detail or {})
    with transaction.atomic(savepoint=False):
        entries = _append([
            dict(
                kind=AuditEntry.Kind.GRANT, event=event, at=at, grant_id=grant.pk, client_pk=grant.client_id,
                person=pseudonym_for(grant.person_id), actor=who, fields=[], outcome="ok", request_id="",
                reason=why, detail={**grant_snapshot(grant), **extra, **typed},
            )
            for grant in grants
        ])
        if event in RECEIPT_EVENTS:
            issue_receipts(grants, entries, now=at)
    return entries


def record_access(grant, *, action, fields, outcome, request_id="", reason="", now=None):
    """Record a vendor read or write under this grant: which attribute keys, the outcome, the request id.

    ``fields`` are attribute keys, never values; keys outside the catalogue are logged as keyed hashes
    (field_for_log). The entry is written pending (one INSERT, no chain
    lock) and chained by the sequencer once committed. Call before the response leaves: a read in
    autocommit (the INSERT is its own transaction), a write in the transaction that makes it.
    Returns the entry.
    """
    if action not in ACCESS_ACTIONS:
        raise InvalidAuditEntry(f"action must be one of {ACCESS_ACTIONS}, not {action!r}")
    if outcome not in ACCESS_OUTCOMES:
        raise InvalidAuditEntry(f"outcome must be one of {ACCESS_OUTCOMES}, not {outcome!r}")
    keys = list(fields)
    if not all(isinstance(key, str) and 0 < len(key) <= 100 for key in keys):
        raise InvalidAuditEntry("fields are attribute keys (short strings), never values")
    entry = AuditEntry(
        version=chain.FORMAT_VERSION, kind=AuditEntry.Kind.ACCESS, event=action, at=_moment(now), grant_id=grant.pk,
        client_pk=grant.client_id, person=pseudonym_for(grant.person_id), actor="vendor",
        fields=sorted({field_for_log(key) for key in keys}),
        outcome=outcome, request_id=str(request_id)[:100], reason=str(reason)[:1000], detail={},
    )
    return insert_rows([entry])[0]
