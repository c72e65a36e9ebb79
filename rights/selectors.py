"""Reads of rights requests, each with the joins its page or endpoint needs."""

from statistics import median

from audit.selectors import isoformat_or_none
from rights.models import RightsNotice, RightsRequest


def requests_of_person(person):
    return RightsRequest.objects.filter(person=person).select_related("client__vendor").order_by("-filed_at")


def request_of_person(person, request_id):
    return requests_of_person(person).filter(pk=request_id).first()


def open_requests_of_client(client):
    """The client's requests still awaiting an answer (open, extended or overdue), oldest deadline first."""
    return RightsRequest.objects.filter(client=client, status__in=RightsRequest.PENDING_STATUSES).order_by(
        "deadline_at", "id"
    )


def notices_of_person(person, limit=20):
    return RightsNotice.objects.filter(person=person).select_related("request__client__vendor").order_by(
        "-created_at"
    )[:limit]


# What an auditor sees of a request: codes, ids and dates; never the person's details or the vendor's reasons.
AUDIT_COLUMNS = (
    "id", "vendor", "client_id", "grant_id", "person", "kind", "jurisdiction", "legal_basis", "status",
    "filed_at", "due_at", "extended_until", "deadline_at", "closed_at", "overdue_at", "on_time",
)
COMPLIANCE_COLUMNS = ("vendor", "requests", "on_time", "late", "overdue", "pending", "median_days_to_respond")


def requests_for_audit(filters):
    """Requests matching a RightsAuditFilterForm's cleaned data (filed in the time range), newest first."""
    lookups = {"vendor": "client__vendor", "since": "filed_at__gte", "until": "filed_at__lt", "kind": "kind",
               "status": "status", "jurisdiction": "jurisdiction"}
    selection = RightsRequest.objects.select_related("client__vendor")
    for name, lookup in lookups.items():
        if filters.get(name):
            selection = selection.filter(**{lookup: filters[name]})
    return selection.order_by("-filed_at", "-id")


def describe_for_audit(requests):
    from vrm.pseudonyms import pseudonym_for

    for request in requests:
        yield {
            "id": str(request.id),
            "vendor": request.client.vendor.name if request.client.vendor else "",
            "client_id": request.client.client_id,
            "grant_id": str(request.grant_id),
            "person": pseudonym_for(request.person_id),
            "kind": request.kind,
            "jurisdiction": request.jurisdiction,
            "legal_basis": request.legal_basis,
            "status": request.status,
            "filed_at": isoformat_or_none(request.filed_at),
            "due_at": isoformat_or_none(request.due_at),
            "extended_until": isoformat_or_none(request.extended_until),
            "deadline_at": isoformat_or_none(request.deadline_at),
            "closed_at": isoformat_or_none(request.closed_at),
            "overdue_at": isoformat_or_none(request.overdue_at),
            "on_time": request.answered_on_time if request.closed_at else None,
        }


def compliance_by_vendor(filters):
    """Per vendor: requests, responses on time and late (an answer or a refusal closes a request), requests
    overdue now, pending, and the median days from filing to response. Sorted by vendor name."""
    rows = requests_for_audit(filters).values_list("client__vendor__name", "status", "filed_at", "closed_at", "deadline_at")
    table = {}
    for vendor, status, filed_at, closed_at, deadline_at in rows.iterator(chunk_size=2000):
        row = table.setdefault(vendor or "", {"requests": 0, "on_time": 0, "late": 0, "overdue": 0, "pending": 0,
                                               "days": []})
        row["requests"] += 1
        if closed_at is not None:
            row["on_time" if closed_at <= deadline_at else "late"] += 1
            row["days"].append((closed_at - filed_at).total_seconds() / 86400)
        elif status == RightsRequest.Status.OVERDUE:
            row["overdue"] += 1
        else:
            row["pending"] += 1
    return [
        {"vendor": vendor, **{k: v for k, v in row.items() if k != "days"},
         "median_days_to_respond": round(median(row["days"]), 1) if row["days"] else None}
        for vendor, row in sorted(table.items())
    ]
