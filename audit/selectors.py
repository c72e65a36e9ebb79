"""Reads of the audit log, receipts and checkpoints (for the person, the vendor API and the auditor)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Max
from django.db.models.functions import TruncDate
from django.utils.duration import duration_iso_string

from audit.log import pending_summary
from audit.models import AuditEntry, Checkpoint, Receipt, VerificationRun
from vrm.pseudonyms import PAIRWISE_PREFIX, pseudonym_for, subject_for_grant


def history_for_person(person, *, client=None, since=None, until=None):
    """Entries about this person (grant events and vendor accesses), newest first; filter by client and time.

    Entries still waiting for the sequencer are included (newest of all), so a read shows at once."""
    entries = AuditEntry.objects.filter(person=pseudonym_for(person.pk))
    if client is not None:
        entries = entries.filter(client_pk=client.pk)
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    return entries.order_by(F("seq").desc(nulls_first=True), "-id")


def access_stats_for_grants(grant_ids):
    """{grant_id: (number of vendor accesses, time of the last one)} for these grants, in one query."""
    rows = (
        AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS, grant_id__in=list(grant_ids))
        .order_by()
        .values("grant_id")
        .annotate(count=Count("id"), last=Max("at"))
    )
    return {row["grant_id"]: (row["count"], row["last"]) for row in rows}


def daily_reads_for_grants(grant_ids, *, since, tzinfo):
    """{(grant_id, day): number of successful vendor reads} since `since`, days counted in `tzinfo`; one query."""
    rows = (
        AuditEntry.objects.filter(
            kind=AuditEntry.Kind.ACCESS, event="read", outcome="ok", grant_id__in=list(grant_ids), at__gte=since
        )
        .annotate(day=TruncDate("at", tzinfo=tzinfo))
        .order_by()
        .values("grant_id", "day")
        .annotate(count=Count("id"))
    )
    return {(row["grant_id"], row["day"]): row["count"] for row in rows}


def receipts_for_grant(grant):
    """The grant's receipts, newest first."""
    return Receipt.objects.filter(grant_id=grant.pk).order_by("-version")


def receipt_of_grant(grant_id, receipt_id):
    """The receipt if it was issued for this grant, else None (a vendor's token sees its own grant only)."""
    return Receipt.objects.filter(pk=receipt_id, grant_id=grant_id).first()


def latest_verification():
    return VerificationRun.objects.order_by("-finished_at").first()


def verification_since(moment):
    """The first verification run that started at or after `moment`, or None while it is still to come."""
    return VerificationRun.objects.filter(started_at__gte=moment).order_by("started_at").first()


def chain_size():
    """How many entries the chain holds now (the highest seq; no count over the whole table)."""
    return AuditEntry.objects.chained().aggregate(size=Max("seq"))["size"] or 0


def checkpoints():
    return Checkpoint.objects.order_by("-size", "-signed_at")


@dataclass(frozen=True)
class ChainStatus:
    """What the auditor sees first: the last verification run, the latest checkpoint, what waits to be chained."""

    run: VerificationRun | None
    checkpoint: Checkpoint | None
    pending: int
    oldest_pending_at: datetime | None


def chain_status() -> ChainStatus:
    """The chain's status for the auditor's overview and the audit API's status (three queries)."""
    return ChainStatus(latest_verification(), checkpoints().first(), *pending_summary())


# ---------------------------------------------------------------- the auditor's view

# Filter form field -> ORM lookup; a field left empty does not filter.
ENTRY_FILTERS = {
    "event": "event", "outcome": "outcome", "grant": "grant_id", "person": "person",
    "since": "at__gte", "until": "at__lt",
}


def filtered(queryset, filters, lookups):
    for field, lookup in lookups.items():
        if filters.get(field):
            queryset = queryset.filter(**{lookup: filters[field]})
    return queryset


def subject_owner(subject):
    """Whose a vendor's pairwise id is (auditors only): {"subject", "person" (global pseudonym), "client_pks"
    (the clients of the organisation that sees it)} or None for an id this server never gave out.

    Read from the receipts, which name it and outlive the grant and the account, and the grant's log
    entries, which name the global pseudonym; so an id from a receipt issued years ago still resolves.
    """
    from vendors.models import OAuthClient

    receipt = (
        Receipt.objects.filter(payload__data_subject__id=subject).values_list("grant_id", "client_pk").first()
    )
    if receipt is None:
        return None
    grant_id, client_pk = receipt
    person = AuditEntry.objects.filter(grant_id=grant_id).values_list("person", flat=True).first()
    vendor_id = OAuthClient.objects.filter(pk=client_pk).values_list("vendor_id", flat=True).first()
    client_pks = (
        set(OAuthClient.objects.filter(vendor_id=vendor_id).values_list("pk", flat=True)) if vendor_id else set()
    ) | {client_pk}
    return {"subject": subject, "person": person, "client_pks": sorted(client_pks)}


def entries_for_audit(filters):
    """Chained log entries matching an EntryFilterForm's cleaned data, newest first.

    The auditor sees the chain: every entry with its seq and hash. A vendor access joins it when the
    sequencer has chained it, normally well within a second (see pending_summary). A pairwise id
    (``sub_...``) as the person selects that person's entries with the organisation that sees that id."""
    filters = dict(filters)
    owner = None
    if (filters.get("person") or "").startswith(PAIRWISE_PREFIX):
        owner = subject_owner(filters["person"])
        filters["person"] = owner["person"] if owner else filters["person"]
    entries = filtered(AuditEntry.objects.chained(), filters, ENTRY_FILTERS)
    if owner is not None:
        entries = entries.filter(client_pk__in=owner["client_pks"])
    if filters.get("vendor"):
        entries = entries.filter(client_pk__in=filters["vendor"].clients.values("pk"))
    return entries.order_by("-seq")


def _clients_by_pk(client_pks):
    from vendors.models import OAuthClient

    rows = OAuthClient.objects.filter(pk__in=set(client_pks)).values_list("pk", "client_id", "name", "vendor__name")
    return {pk: {"client_id": client_id, "client_name": name, "vendor": vendor} for pk, client_id, name, vendor in rows}


ENTRY_COLUMNS = (
    "seq", "at", "kind", "event", "outcome", "grant_id", "vendor", "client_id", "client_name", "person", "actor",
    "fields", "request_id", "reason", "hash",
)


def describe_entries(entries):
    """Entries as plain dicts for pages and exports, with vendor and client names (one extra query per batch)."""
    entries = list(entries)
    clients = _clients_by_pk(e.client_pk for e in entries)
    unknown = {"client_id": "", "client_name": "(deleted client)", "vendor": "(deleted)"}
    return [
        {
            "seq": e.seq, "at": e.at.isoformat(), "kind": e.kind, "event": e.event, "outcome": e.outcome,
            "grant_id": str(e.grant_id), **clients.get(e.client_pk, unknown), "person": e.person, "actor": e.actor,
            "fields": e.fields, "request_id": e.request_id, "reason": e.reason, "detail": e.detail, "hash": e.hash,
            "prev_hash": e.prev_hash,
        }
        for e in entries
    ]


def iterate_described_entries(entries, chunk=2000):
    """describe_entries over a large queryset, in keyset batches (for streaming exports)."""
    last = None
    while True:
        batch = entries if last is None else entries.filter(seq__lt=last)
        batch = list(batch[:chunk])
        if not batch:
            return
        yield from describe_entries(batch)
        last = batch[-1].seq


GRANT_COLUMNS = (
    "id", "person", "subject", "vendor", "client_id", "client_name", "status", "purpose", "scopes", "starts_at", "expires_at",
    "retention", "ended_at", "retention_ends_at", "deletion_requested_at", "deletion_confirmed_at", "created_at",
)


def isoformat_or_none(value):
    """ISO 8601 as Python writes it, or None for a time not set."""
    return value.isoformat() if value else None


def describe_grant(grant):
    """A grant as the auditor sees it: terms and dates, the person only by pseudonym, with the pairwise id
    the grant's vendor organisation sees for them (``subject``)."""
    return {
        "id": str(grant.pk), "person": pseudonym_for(grant.person_id), "subject": subject_for_grant(grant),
        "vendor": grant.client.vendor.name if grant.client.vendor else "", "client_id": grant.client.client_id,
        "client_name": grant.client.name, "status": grant.status, "purpose": grant.purpose,
        "purpose_text": grant.purpose_text, "scopes": sorted(grant.scopes), "starts_at": isoformat_or_none(grant.starts_at),
        "expires_at": isoformat_or_none(grant.expires_at), "retention": duration_iso_string(grant.retention),
        "max_reads_per_day": grant.max_reads_per_day, "ended_at": isoformat_or_none(grant.ended_at),
        "retention_ends_at": isoformat_or_none(grant.retention_ends_at), "deletion_requested_at": isoformat_or_none(grant.deletion_requested_at),
        "deletion_confirmed_at": isoformat_or_none(grant.deletion_confirmed_at), "created_at": isoformat_or_none(grant.created_at),
    }


def iterate_described_grants(grants, chunk=2000):
    for grant in grants.iterator(chunk_size=chunk):
        yield describe_grant(grant)
