"""Webhook delivery: one task per delivery id, retried with back-off until delivered or given up."""

from celery import shared_task

from vendors import webhooks
from vendors.models import WebhookDelivery


@shared_task(bind=True, max_retries=webhooks.MAX_ATTEMPTS)
def deliver_webhook(self, delivery_id):
    """Attempt one delivery; schedule the next attempt while it is still pending. Idempotent: a copy that finds
    the delivery done, not due or held by another attempt does nothing (and schedules nothing)."""
    delivery = webhooks.deliver(delivery_id)
    if delivery is not None and delivery.status == WebhookDelivery.Status.PENDING:
        raise self.retry(countdown=webhooks.retry_delay(delivery.attempts))
    return delivery.status if delivery else None


@shared_task
def redeliver_overdue_webhooks():
    """Beat: re-enqueue pending deliveries whose Celery message was lost."""
    return webhooks.redeliver_overdue()
