"""Shared arrangements for the lifecycle tests: a grant with a webhook endpoint, and what got recorded."""

from audit.models import AuditEntry
from tests.factories import make_client, make_grant
from vendors.models import WebhookDelivery
from vendors.webhooks import set_endpoint


def grant_with_webhook(url="https://shop.example/hooks", **fields):
    client, secret = make_client()
    set_endpoint(client, url)
    return make_grant(client=client, **fields)


def events_of(grant):
    return list(AuditEntry.objects.filter(grant_id=grant.pk).order_by("seq").values_list("event", flat=True))


def webhooks_of(grant):
    return list(
        WebhookDelivery.objects.filter(payload__grant__id=str(grant.pk)).order_by("created_at").values_list("event", flat=True)
    )
