"""A webhook whose Celery message was lost is delivered by the redelivery sweep in a real worker."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.processes import wait_until
from tests.factories import make_client
from tests.vendors.webhook_receiver import webhook_receiver
from vendors import webhooks
from vendors.models import WebhookDelivery
from vendors.tasks import redeliver_overdue_webhooks

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
