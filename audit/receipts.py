"""Consent receipts: a signed JSON record of a grant's terms and status, one for each change.

Fields follow ISO/IEC TS 27560 (consent record information structure) and the
Kantara Consent Receipt v1.1: record id and version, timestamps, parties
(controller = the vendor organisation, data subject by the pairwise pseudonym that
organisation sees), purpose,
scopes and data categories, start, expiry, retention, status, how to withdraw,
jurisdiction and language. Signed as a compact JWS (EdDSA, Ed25519) by the
server's key; anyone can check it with the public key at
/.well-known/vrm-signing-key, online (/receipts/verify) or offline
(audit/standalone_verify.py).

A receipt is signed once and never re-issued: receipts issued before pairwise
ids name the person by their global pseudonym (``"id_type": "pseudonym"``) and
keep saying so; newer ones say ``"id_type": "pairwise-pseudonym"``.
"""

import uuid
from functools import lru_cache

from django.conf import settings
from django.db.models import Max, prefetch_related_objects
from django.urls import reverse
from django.utils.duration import duration_iso_string

from audit import signing, standalone_verify
from audit.chain import format_optional_time
from audit.models import Receipt
from audit.rows import insert_rows
from vrm.catalogue import CATEGORIES, READ_SCOPE_CATEGORY, WRITE_SCOPE_CATEGORY
from vrm.errors import DomainError
from vrm.pseudonyms import subject_for_grant

RECEIPT_SCHEMA = "vrm-consent-receipt/1 (after ISO/IEC TS 27560 and Kantara Consent Receipt v1.1)"
# The grant's status in the vocabulary of ISO/IEC TS 27560's consent states.
CONSENT_STATE = {"active": "given", "paused": "paused", "revoked": "withdrawn", "expired": "expired"}


class ReceiptNotVerified(DomainError):
    """A receipt that is malformed or whose signature does not check out; the message says which."""

    problem_type = "receipt-not-verified"


# Stands for the grant id in the withdrawal URL, which is resolved once rather than once per receipt.
_ANY_GRANT = uuid.UUID(int=0)


@lru_cache(maxsize=8)
def _withdrawal_url_pattern(site_url, urlconf):
    return site_url + reverse("receipts:withdraw", urlconf=urlconf, args=[_ANY_GRANT])


def withdrawal_url(grant):
    """Where the person withdraws this consent: the portal's grant page."""
    pattern = _withdrawal_url_pattern(settings.SITE_URL, settings.ROOT_URLCONF)
    return pattern.replace(str(_ANY_GRANT), str(grant.pk))


def build_payload(grant, *, receipt_id, version, event, entry, now):
    """The receipt's content for the grant's current state (no profile values, only terms)."""
    client = grant.client
    vendor = client.vendor
    scope_category = {**READ_SCOPE_CATEGORY, **WRITE_SCOPE_CATEGORY}
    categories = sorted({scope_category[s] for s in grant.scopes if s in scope_category})
    return {
        "schema": RECEIPT_SCHEMA,
        "receipt_id": str(receipt_id),
        "record_id": str(grant.pk),
        "record_version": version,
        "event": event,
        "issued_at": format_optional_time(now),
        "issuer": settings.SITE_URL,
        "jurisdiction": settings.VRM_JURISDICTION,
        "language": settings.LANGUAGE_CODE,
        "controller": {
            "name": vendor.name if vendor else client.name,
            "contact_email": vendor.contact_email if vendor else "",
            "website": vendor.website if vendor else "",
            "privacy_policy_url": vendor.privacy_policy_url if vendor else "",
            "verified": bool(vendor and vendor.verified),
        },
        "recipient": {"client_id": client.client_id, "client_name": client.name},
        # Pairwise: the receipt travels to the vendor, which must not get an id another vendor also gets.
        "data_subject": {"id": subject_for_grant(grant), "id_type": "pairwise-pseudonym"},
        "legal_basis": "consent",
        "purposes": [
            {"code": grant.purpose, "label": grant.get_purpose_display(), "description": grant.purpose_text}
        ],
        "scopes": sorted(grant.scopes),
        "requested_scopes": sorted(grant.requested_scopes),
        "data_categories": [{"code": c, "label": CATEGORIES[c][0]} for c in categories],
        "start": format_optional_time(grant.starts_at),
        "expiry": format_optional_time(grant.expires_at),
        "retention": duration_iso_string(grant.retention),
        "max_reads_per_day": grant.max_reads_per_day,
        "status": CONSENT_STATE[grant.status],
        "grant_status": grant.status,
        "paused_until": format_optional_time(grant.paused_until),
        "ended_at": format_optional_time(grant.ended_at),
        "withdrawal_method": {
            "description": "Revoke this grant at any time, in one click, on its page in your portal.",
            "url": withdrawal_url(grant),
        },
        "audit_entry": {"seq": entry.seq, "hash": entry.hash},
    }


def issue_receipts(grants, entries, *, now):
    """Sign and store a receipt of each grant's current state, linked to the audit entry of its change.

    One receipt per (grant, entry) pair, in order, each at its grant's next
    version (a grant that appears twice gets two consecutive versions). Called
    by ``audit.log.record_grant_events`` while it holds the chain lock, so
    versions of one grant never collide. Set-based, so a sweep's batch costs
    the same few queries as one grant: clients and vendors not already loaded
    (select_related) in one prefetch, the latest version of every grant in one
    aggregate, and one multi-row insert.
    """
    prefetch_related_objects(grants, "client__vendor")
    latest = dict(
        Receipt.objects.filter(grant_id__in={grant.pk for grant in grants})
        .values_list("grant_id")
        .annotate(Max("version"))
        .order_by()
    )
    receipts = []
    for grant, entry in zip(grants, entries, strict=True):
        version = latest[grant.pk] = latest.get(grant.pk, 0) + 1
        receipt_id = uuid.uuid4()
        payload = build_payload(grant, receipt_id=receipt_id, version=version, event=entry.event, entry=entry, now=now)
        receipts.append(Receipt(
            id=receipt_id, grant_id=grant.pk, client_pk=grant.client_id, version=version, event=entry.event,
            status=grant.status, issued_at=now, entry_seq=entry.seq, payload=payload, jws=signing.sign_jws(payload),
        ))
    return insert_rows(receipts)


def verify_receipt_document(document):
    """Check a receipt (the downloaded JSON file, or the bare compact JWS) against this server's key.

    Returns (payload, kid); raises ReceiptNotVerified with a reason a person can read.
    """
    try:
        return standalone_verify.verify_receipt(document, signing.public_keys())
    except (standalone_verify.InputError, standalone_verify.ReceiptInvalid) as error:
        raise ReceiptNotVerified(str(error)) from None
