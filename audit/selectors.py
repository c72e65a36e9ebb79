"""Reads of the audit log, receipts and checkpoints (for the person, the vendor API and the auditor)."""

from django.db.models import Count, Max

from audit.models import AuditEntry, Checkpoint, Receipt, VerificationRun
from audit.pseudonyms import pseudonym_for
from consents.models import Grant


def history_for_person(person, *, client=None, since=None, until=None):
    """Entries about this person (grant events and vendor accesses), newest first; filter by client and time."""
    entries = AuditEntry.objects.filter(person=pseudonym_for(person.pk))
    if client is not None:
        entries = entries.filter(client_pk=client.pk)
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    return entries.order_by("-seq")


def access_stats_for_grants(grant_ids):
    """{grant_id: (number of vendor accesses, time of the last one)} for these grants, in one query."""
    rows = (
        AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS, grant_id__in=list(grant_ids))
        .order_by()
        .values("grant_id")
        .annotate(count=Count("seq"), last=Max("at"))
    )
    return {row["grant_id"]: (row["count"], row["last"]) for row in rows}


def receipts_for_grant(grant):
    """The grant's receipts, newest first."""
    return Receipt.objects.filter(grant_id=grant.pk).order_by("-version")


def grant_of_person(person, grant_id):
    return Grant.objects.filter(pk=grant_id, person=person).first()


def receipt_of_person(person, receipt_id):
    """The receipt if it belongs to one of this person's grants, else None."""
    receipt = Receipt.objects.filter(pk=receipt_id).first()
    if receipt is None or grant_of_person(person, receipt.grant_id) is None:
        return None
    return receipt


def receipt_of_grant(grant_id, receipt_id):
    """The receipt if it was issued for this grant, else None (a vendor's token sees its own grant only)."""
    return Receipt.objects.filter(pk=receipt_id, grant_id=grant_id).first()


def latest_verification():
    return VerificationRun.objects.order_by("-finished_at").first()


def checkpoints():
    return Checkpoint.objects.order_by("-size", "-signed_at")
