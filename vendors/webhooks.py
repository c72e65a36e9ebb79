"""Signed webhooks telling a vendor's client about its grants.

Events are written as WebhookDelivery rows inside the transaction that changes
the grant (an outbox), and handed to Celery only after that transaction
commits. Each request is signed: ``VRM-Signature: t=<unix time>,v1=<hex
HMAC-SHA256(secret, "<t>.<body>")>``. The secret is derived from the server's
key and the client id, so nothing that signs is stored in the database.
"""

import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta

import requests
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.crypto import salted_hmac
from kombu.exceptions import OperationalError as BrokerUnavailable

from audit.pseudonyms import subject_for_grant
from vendors.models import WebhookDelivery, WebhookEndpoint, is_loopback_http

EVENTS = (
    "grant.created", "grant.changed", "grant.paused", "grant.resumed", "grant.revoked", "grant.expired",
    "grant.retention_ended",
)
SIGNATURE_HEADER = "VRM-Signature"
# Back-off between attempts: 30 s, 2 min, 8 min, 30 min, ...; give up after MAX_ATTEMPTS.
FIRST_RETRY_SECONDS = 30
MAX_ATTEMPTS = 8
MAX_RETRY_SECONDS = 1800
TIMEOUT_SECONDS = 10
# A pending delivery whose next attempt is this late lost its Celery message (broker down at
# enqueue time, or a worker killed): the redelivery sweep hands it to Celery again.
REDELIVER_AFTER = timedelta(minutes=5)
REDELIVER_BATCH = 500

logger = logging.getLogger(__name__)


def signing_secret(endpoint):
    """The endpoint's signing secret: HMAC of the server's key over the client id and secret version."""
    value = f"{endpoint.client.client_id}:{endpoint.secret_version}"
    return "whsec_" + salted_hmac("vrm.webhooks.signing-secret", value, algorithm="sha256").hexdigest()


def sign(secret, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret, body: bytes, header: str, *, tolerance=300, now=None) -> bool:
    """What a receiver does: check the HMAC and that the timestamp is recent (replay window)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), header)


def set_endpoint(client, url):
    """Register (or change) the client's webhook URL; returns (endpoint, signing secret to show once).

    https only, plain http only for loopback URLs (development). Raises ValidationError.
    """
    if not (url.startswith("https://") or is_loopback_http(url)):
        raise ValidationError({"url": "Use an https URL (plain http only for 127.0.0.1 or localhost)."})
    with transaction.atomic():
        endpoint, created = WebhookEndpoint.objects.select_for_update().get_or_create(
            client=client, defaults={"url": url}
        )
        if not created:
            endpoint.url = url
            endpoint.secret_version += 1
            endpoint.save(update_fields=["url", "secret_version"])
    return endpoint, signing_secret(endpoint)


def payload_for(grant, event, *, now, extra=None):
    return {
        "event": event,
        "occurred_at": now.isoformat(),
        "grant": {
            "id": str(grant.pk),
            # The person as this vendor organisation sees them (pairwise), never an id another vendor gets.
            "subject": subject_for_grant(grant),
            "status": grant.status,
            "scopes": sorted(grant.scopes),
            "expires_at": grant.expires_at.isoformat(),
            "paused_until": grant.paused_until.isoformat() if grant.paused_until else None,
            "retention_ends_at": grant.retention_ends_at.isoformat() if grant.retention_ends_at else None,
        },
        **(extra or {}),
    }


def notify(grants, event, *, now=None, extra=None):
    """Queue `event` for each grant's client that has an endpoint; sent after the current transaction commits.

    Takes one grant or a list (sweeps pass a batch: one query for endpoints, one bulk insert).
    """
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    now = now or timezone.now()
    grants = grants if isinstance(grants, (list, tuple)) else [grants]
    with_endpoint = set(
        WebhookEndpoint.objects.filter(client_id__in={g.client_id for g in grants}).values_list("client_id", flat=True)
    )
    # The payload's person id depends on the client's organisation: one query for the batch, not one per grant.
    prefetch_related_objects([g for g in grants if g.client_id in with_endpoint], "client")
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(client_id=g.client_id, event=event, payload=payload_for(g, event, now=now, extra=extra),
                            created_at=now, next_attempt_at=now)
            for g in grants
            if g.client_id in with_endpoint
        ]
    )
    ids = [str(d.pk) for d in deliveries]
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))
    return deliveries


def _enqueue(ids):
    """Hand deliveries to Celery. With the broker down they stay pending for the redelivery sweep:
    the grant change has committed and the person's action must not fail because of the vendor's webhook."""
    from vendors.tasks import deliver_webhook

    for delivery_id in ids:
        try:
            deliver_webhook.delay(delivery_id)
        except BrokerUnavailable as exc:
            logger.warning("webhook delivery %s left pending for the redelivery sweep: broker unavailable (%s)",
                           delivery_id, type(exc).__name__)


def redeliver_overdue(*, now=None):
    """Enqueue again the pending deliveries whose next attempt is overdue by REDELIVER_AFTER; returns how many.

    The outbox row is the source of truth, so a lost Celery message delays a webhook but never drops it.
    Safe to run twice: deliver() leaves delivered and abandoned deliveries alone.
    """
    now = now or timezone.now()
    ids = [
        str(pk)
        for pk in WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now - REDELIVER_AFTER
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:REDELIVER_BATCH]
    ]
    _enqueue(ids)
    return len(ids)


def deliver(delivery_id, *, now=None):
    """Make one attempt to deliver; returns the delivery. Idempotent: a delivered or abandoned one is left alone.

    On failure the delivery keeps status pending with next_attempt_at set (back-off), or becomes failed
    after MAX_ATTEMPTS; the caller (the Celery task) schedules the retry.
    """
    now = now or timezone.now()
    delivery = WebhookDelivery.objects.select_related("client__webhook_endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return delivery
    endpoint = getattr(delivery.client, "webhook_endpoint", None)
    body = json.dumps({"id": str(delivery.pk), **delivery.payload}, separators=(",", ":")).encode()
    status_code, error = None, ""
    if endpoint is None:
        error = "the client has no webhook endpoint"
    else:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "VRM-Webhooks/1",
            "VRM-Event": delivery.event,
            "VRM-Delivery": str(delivery.pk),
            SIGNATURE_HEADER: sign(signing_secret(endpoint), body, int(now.timestamp())),
        }
        try:
            response = requests.post(endpoint.url, data=body, headers=headers, timeout=TIMEOUT_SECONDS,
                                     allow_redirects=False)
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}"
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = status_code
    delivery.last_error = error
    if not error:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = now + timedelta(seconds=retry_delay(delivery.attempts))
    delivery.save()
    return delivery


def retry_delay(attempts):
    # Capped below the Redis visibility timeout, so a waiting retry is never redelivered early.
    return min(FIRST_RETRY_SECONDS * 4 ** (attempts - 1), MAX_RETRY_SECONDS)


def recent_deliveries(client_ids, limit=20):
    return WebhookDelivery.objects.filter(client_id__in=client_ids).order_by("-created_at")[:limit]

