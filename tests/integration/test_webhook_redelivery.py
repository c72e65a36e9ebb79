"""Webhooks through real workers: a lost delivery is sent by the redelivery sweep; copies of one delivery raced
by retries and two sweeps reach the receiver once; a backlog of 3,000 drains in one sweep."""

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from consents.grants import revoke_grant
from tests.factories import make_client, make_grant
from tests.processes import celery_worker, wait_until
from tests.vendors.webhook_receiver import webhook_receiver
from vendors import webhooks
from vendors.models import WebhookDelivery
from vendors.tasks import deliver_webhook, redeliver_overdue_webhooks

pytestmark = pytest.mark.integration


def test_the_sweep_hands_a_lost_delivery_to_a_worker_which_delivers_it_signed(worker):
    with webhook_receiver() as receiver:
        client, _ = make_client()
        _, secret = webhooks.set_endpoint(client, receiver.url)
        late = timezone.now() - timedelta(minutes=30)
        delivery = WebhookDelivery.objects.create(
            client=client, event="grant.revoked", payload={"event": "grant.revoked"}, created_at=late,
            next_attempt_at=late,
        )

        redeliver_overdue_webhooks.delay()

        wait_until(lambda: receiver.requests, message="the redelivered webhook")
    headers, body = receiver.requests[0]
    assert headers["VRM-Delivery"] == str(delivery.pk)
    assert webhooks.verify_signature(secret, body, headers["VRM-Signature"])
    wait_until(
        lambda: WebhookDelivery.objects.get(pk=delivery.pk).status == WebhookDelivery.Status.DELIVERED,
        message="the delivery marked delivered",
    )


def in_threads(target, count):
    results, errors = [], []

    def run():
        try:
            results.append(target())
        except Exception as error:  # noqa: BLE001 (reported by the caller's assertion, not swallowed)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def test_every_grant_event_is_received_once_when_retries_and_two_sweeps_race(transactional_db, tmp_path):
    """Each delivery is queued by its grant change, twice more (as retries would), and by two sweeps running at
    once; two workers of two processes each take the copies. The receiver counts what it gets."""
    total = 40
    with webhook_receiver() as receiver:
        client, _ = make_client()
        webhooks.set_endpoint(client, receiver.url)
        for _ in range(total):
            grant = make_grant(client=client)
            revoke_grant(grant, actor=grant.person)  # queues its delivery after commit
        ids = [str(pk) for pk in WebhookDelivery.objects.values_list("pk", flat=True)]
        WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=10))  # and overdue
        for delivery_id in ids * 2:
            deliver_webhook.delay(delivery_id)
        swept, errors = in_threads(webhooks.redeliver_overdue, 2)
        messages = total * 3 + sum(swept)
        logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]

        with celery_worker(logs[0], concurrency=2), celery_worker(logs[1], concurrency=2):
            wait_until(
                lambda: sum(log.read_text().count("deliver_webhook[") for log in logs if log.exists())
                >= 2 * messages,  # a "received" and a "succeeded" line for every message
                timeout=180, message="every copy taken by a worker",
            )
        received = Counter(headers["VRM-Delivery"] for headers, _ in receiver.requests)

    assert errors == [] and sum(swept) >= total
    if connection.vendor == "postgresql":  # SKIP LOCKED: the two sweeps shared the deliveries, none twice
        assert sum(swept) == total
    assert sorted(received) == sorted(ids) and set(received.values()) == {1}
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {("delivered", 1)}


@pytest.mark.timeout(900)
def test_a_backlog_of_3000_pending_deliveries_is_handed_over_in_one_sweep_and_delivered_once(transactional_db,
                                                                                              tmp_path):
    total = 3000
    # Within one redelivery window on a real broker. kombu's filesystem transport (the embedded development
    # default) lists its folder for every message it takes, so there it gets twice as long.
    window = webhooks.REDELIVER_AFTER.total_seconds() * (2 if settings.CELERY_BROKER_URL == "filesystem://" else 1)
    with webhook_receiver() as receiver:
        client, _ = make_client()
        webhooks.set_endpoint(client, receiver.url)
        late = timezone.now() - timedelta(minutes=30)
        WebhookDelivery.objects.bulk_create(
            WebhookDelivery(client=client, event="grant.revoked", payload={"event": "grant.revoked"},
                            created_at=late, next_attempt_at=late)
            for _ in range(total)
        )
        with celery_worker(tmp_path / "worker.log", concurrency=4):
            now = timezone.now()
            swept = webhooks.redeliver_overdue(now=now)
            left_overdue = WebhookDelivery.objects.filter(
                status="pending", next_attempt_at__lte=now - webhooks.REDELIVER_AFTER
            ).count()
            again = webhooks.redeliver_overdue(now=now + webhooks.REDELIVER_AFTER / 2)  # within the window
            started = time.monotonic()
            wait_until(
                lambda: not WebhookDelivery.objects.filter(status="pending").exists(),
                timeout=window, interval=0.5, message="the backlog delivered",
            )
            print(f"3,000 deliveries delivered {time.monotonic() - started:.0f} s after the sweep")
        received = Counter(headers["VRM-Delivery"] for headers, _ in receiver.requests)

    assert swept == total and left_overdue == 0 and again == 0
    assert len(received) == total and set(received.values()) == {1}
