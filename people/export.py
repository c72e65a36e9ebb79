"""Everything the store holds about a person, as one document (the JSON download and the readable page)."""

from django.utils import timezone

from audit import selectors as audit_selectors
from consents.models import Grant
from vrm import accounts, catalogue, vault

FORMAT = "vrm-export/1"


def _grant(grant):
    return {
        "id": str(grant.id),
        "vendor": grant.client.vendor.name if grant.client.vendor_id else None,
        "client": grant.client.name,
        "client_id": grant.client.client_id,
        "requested_scopes": grant.requested_scopes,
        "scopes": grant.scopes,
        "purpose": grant.purpose,
        "purpose_label": grant.get_purpose_display(),
        "purpose_text": grant.purpose_text,
        "status": grant.status,
        "starts_at": audit_selectors.isoformat_or_none(grant.starts_at),
        "expires_at": audit_selectors.isoformat_or_none(grant.expires_at),
        "retention_seconds": int(grant.retention.total_seconds()),
        "max_reads_per_day": grant.max_reads_per_day,
        "paused_until": audit_selectors.isoformat_or_none(grant.paused_until),
        "ended_at": audit_selectors.isoformat_or_none(grant.ended_at),
        "retention_ends_at": audit_selectors.isoformat_or_none(grant.retention_ends_at),
        "deletion_requested_at": audit_selectors.isoformat_or_none(grant.deletion_requested_at),
        "deletion_confirmed_at": audit_selectors.isoformat_or_none(grant.deletion_confirmed_at),
        "change_reason": grant.change_reason,
        "created_at": audit_selectors.isoformat_or_none(grant.created_at),
        "receipts": [receipt.document() for receipt in audit_selectors.receipts_for_grant(grant)],
    }


def _history_entry(entry):
    return {
        "seq": entry.seq,
        "at": audit_selectors.isoformat_or_none(entry.at),
        "kind": entry.kind,
        "event": entry.event,
        "grant_id": str(entry.grant_id),
        "actor": entry.actor,
        "fields": entry.fields,
        "outcome": entry.outcome,
        "reason": entry.reason,
    }


def export_for_person(person, *, now=None) -> dict:
    """The person's account, profile (decrypted for this call), custom attributes, vendor records,
    grants with their signed receipts, and the access history of the audit log."""
    now = now or timezone.now()
    categories = list(catalogue.PROFILE_CATEGORIES)
    values = vault.read_profile(person, [*categories, *catalogue.RECORD_CATEGORIES], now=now)
    attributes = vault.attributes_for(person, categories)
    profile = {category: {} for category in categories}
    for attribute in attributes:
        if attribute.key in values[attribute.category]:
            profile[attribute.category][attribute.key] = {
                "label": attribute.label,
                "type": attribute.type,
                "custom": attribute.is_custom,
                "value": values[attribute.category][attribute.key],
            }
    grants = Grant.objects.filter(person=person).select_related("client__vendor").order_by("-created_at")
    return {
        "format": FORMAT,
        "generated_at": now.isoformat(),
        "account": {
            "username": person.username,
            "email": person.email,
            "date_joined": audit_selectors.isoformat_or_none(person.date_joined),
            "last_login": audit_selectors.isoformat_or_none(person.last_login),
            "two_factor_login": accounts.confirmed_device(person) is not None,
        },
        "profile": profile,
        "custom_attributes": [
            {
                "key": a.key,
                "category": a.category,
                "label": a.label,
                "type": a.type,
                "choices": a.choices,
                "created_at": audit_selectors.isoformat_or_none(a.created_at),
            }
            for a in attributes
            if a.is_custom
        ],
        "records": {category: values[category]["records"] for category in catalogue.RECORD_CATEGORIES},
        "grants": [_grant(grant) for grant in grants],
        "access_history": [_history_entry(entry) for entry in audit_selectors.history_for_person(person)],
    }
