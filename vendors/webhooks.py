"""Signed webhooks telling a vendor's client about its grants.

Events are written as WebhookDelivery rows inside the transaction that changes the grant (an outbox), and
handed to Celery only after that transaction commits (`vrm.celery.enqueue_after_commit`); a lost message is
sent again by the redelivery sweep. Each attempt is claimed first (a lease on the row), so two copies of one
delivery never post at once and its attempt is recorded once; every request carries the delivery's stable
``VRM-Delivery`` id so a receiver can drop a repeat (after a worker died between post and record).

Each request is signed: ``VRM-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``. The
secret is derived from VRM_WEBHOOK_KEY and the client id, so nothing that signs is stored in the database and
a SECRET_KEY rotation leaves it alone. Targets are public addresses only (vendors/webhook_targets.py).
"""

import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta

import requests
import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.crypto import salted_hmac

from vendors.models import WebhookDelivery, WebhookEndpoint
from vendors.webhook_targets import TargetRefused, check_registration, resolve_target
from vrm.celery import enqueue_after_commit
from vrm.pseudonyms import subject_for_grant

EVENTS = (
    "grant.created", "grant.changed", "grant.paused", "grant.resumed", "grant.revoked", "grant.expired",
    "grant.retention_ended",
)
DELIVER_TASK = "vendors.tasks.deliver_webhook"
SIGNATURE_HEADER = "VRM-Signature"
# Back-off between attempts: 30 s, 2 min, 8 min, 30 min, ...; give up after MAX_ATTEMPTS.
FIRST_RETRY_SECONDS = 30
MAX_ATTEMPTS = 8
MAX_RETRY_SECONDS = 1800
CONNECT_TIMEOUT_SECONDS = 5
TIMEOUT_SECONDS = 10
# An attempt holds its delivery this long (next_attempt_at moves to now + LEASE while it posts); a worker that
# dies mid-attempt releases it when the lease runs out, and the redelivery sweep takes it up.
LEASE = timedelta(seconds=CONNECT_TIMEOUT_SECONDS + 2 * TIMEOUT_SECONDS + 30)
# A pending delivery whose next attempt is this late lost its Celery message (broker down at enqueue time, or
# a worker killed): the redelivery sweep marks it and hands it to Celery again, REDELIVER_BATCH at a time.
REDELIVER_AFTER = timedelta(minutes=5)
REDELIVER_BATCH = 500

logger = logging.getLogger(__name__)


def signing_secret(endpoint):
    """The endpoint's signing secret: HMAC under VRM_WEBHOOK_KEY of the client id and secret version."""
    value = f"{endpoint.client.client_id}:{endpoint.secret_version}"
    mac = salted_hmac("vrm.webhooks.signing-secret", value, secret=settings.VRM_WEBHOOK_KEY, algorithm="sha256")
    return "whsec_" + mac.hexdigest()


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

    https to a public address only (vendors/webhook_targets.py); plain http and loopback only where allowed by
    name (DEBUG, VRM_WEBHOOK_ALLOWED_HOSTS). Raises ValidationError.
    """
    try:
        check_registration(url)
    except TargetRefused as refused:
        if refused.category == "not an https URL":
            message = "Use an https URL (plain http only for hosts the operator allows, such as loopback in development)."
        elif refused.category == "not a public address":
            message = "Use a public address: this host is or resolves to a loopback, private or reserved address."
        else:
            message = f"This URL cannot be used: {refused.category}."
        raise ValidationError({"url": message}) from None
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
    if deliveries:
        enqueue_after_commit(DELIVER_TASK, *[(str(d.pk),) for d in deliveries])
    return deliveries


def redeliver_overdue(*, now=None, batch_size=REDELIVER_BATCH):
    """Hand again to Celery every pending delivery whose next attempt is overdue by REDELIVER_AFTER; returns how
    many. Drains any backlog in batches of `batch_size`. Each batch is claimed (rows locked, SKIP LOCKED where the
    database has it) and marked (next_attempt_at = now), so a second sweep running at once, or the next one, does
    not take the same deliveries again within REDELIVER_AFTER. The outbox row is the source of truth: a lost
    Celery message delays a webhook but never drops it, and deliver() posts each attempt once.
    """
    now = now or timezone.now()
    queued = 0
    while True:
        with transaction.atomic():
            ids = list(
                WebhookDelivery.objects.select_for_update(skip_locked=True)
                .filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now - REDELIVER_AFTER)
                .order_by("next_attempt_at")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return queued
            WebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now)
            enqueue_after_commit(DELIVER_TASK, *[(str(pk),) for pk in ids])
        queued += len(ids)


def claim(delivery_id, *, now):
    """Take the delivery for one attempt if it is pending and due; returns the lease's end, or None when it is
    not (delivered, given up, not due yet, or held by another attempt)."""
    lease_until = now + LEASE
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=lease_until)
    return lease_until if claimed else None


def deliver(delivery_id, *, now=None):
    """Make one attempt to deliver; returns the delivery after it, or None when there was nothing to attempt.

    Idempotent and safe to run concurrently: the attempt is claimed first (claim()), so of two copies of one
    delivery (a Celery retry and a redelivery, two sweeps) only one posts, and the attempt is recorded once.
    On failure the delivery keeps status pending with next_attempt_at set (back-off), or becomes failed after
    MAX_ATTEMPTS; the caller (the Celery task) schedules the retry.
    """
    now = now or timezone.now()
    lease_until = claim(delivery_id, now=now)
    if lease_until is None:
        return None
    delivery = WebhookDelivery.objects.select_related("client__webhook_endpoint").filter(pk=delivery_id).first()
    if delivery is None:  # its client was deleted since
        return None
    endpoint = getattr(delivery.client, "webhook_endpoint", None)
    status_code, error = None, ""
    if endpoint is None:
        error = "no webhook endpoint"
    else:
        status_code, error = post(endpoint, delivery, now=now)
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
    fields = ("attempts", "last_attempt_at", "last_status_code", "last_error", "status", "delivered_at",
              "next_attempt_at")
    # Recorded only while this attempt still holds the lease (its next_attempt_at is ours).
    WebhookDelivery.objects.filter(pk=delivery.pk, next_attempt_at=lease_until).update(
        **{field: getattr(delivery, field) for field in fields}
    )
    return delivery


def post(endpoint, delivery, *, now):
    """POST the signed delivery to the endpoint's checked address; returns (status code, error category).

    The vendor sees the category ("could not connect", "timed out", "HTTP 503", ...), never a library's text.
    Redirects are not followed (a 3xx is a failed attempt).
    """
    try:
        target = resolve_target(endpoint.url)
    except TargetRefused as refused:
        return None, f"refused: {refused.category}"
    body = json.dumps({"id": str(delivery.pk), **delivery.payload}, separators=(",", ":")).encode()
    default_port = 443 if target.scheme == "https" else 80
    headers = {
        "Host": target.host if target.port == default_port else f"{target.host}:{target.port}",
        "Content-Type": "application/json",
        "User-Agent": "VRM-Webhooks/1",
        "VRM-Event": delivery.event,
        "VRM-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: sign(signing_secret(endpoint), body, int(now.timestamp())),
    }
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT_SECONDS, read=TIMEOUT_SECONDS)
    if target.scheme == "https":
        # Connect to the checked address; the certificate must still name the host in the URL (SNI and check).
        pool = urllib3.HTTPSConnectionPool(
            target.address, target.port, timeout=timeout, retries=False, cert_reqs="CERT_REQUIRED",
            ca_certs=requests.certs.where(), assert_hostname=target.host, server_hostname=target.host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, timeout=timeout, retries=False)
    try:
        response = pool.urlopen("POST", target.path, body=body, headers=headers, redirect=False,
                                preload_content=False)
        response.drain_conn()
    except urllib3.exceptions.NewConnectionError:  # before TimeoutError: urllib3 makes it a subclass of it
        return None, "could not connect"
    except urllib3.exceptions.TimeoutError:
        return None, "timed out"
    except urllib3.exceptions.SSLError:
        return None, "could not connect: TLS error"
    except urllib3.exceptions.HTTPError:
        return None, "could not connect"
    finally:
        pool.close()
    if not 200 <= response.status < 300:
        return response.status, f"HTTP {response.status}"
    return response.status, ""


def retry_delay(attempts):
    # Capped below the Redis visibility timeout, so a waiting retry is never redelivered early.
    return min(FIRST_RETRY_SECONDS * 4 ** (attempts - 1), MAX_RETRY_SECONDS)


def recent_deliveries(client_ids, limit=20):
    return WebhookDelivery.objects.filter(client_id__in=client_ids).order_by("-created_at")[:limit]

