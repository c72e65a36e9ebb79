import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consents.grants import pause_grant, revoke_grant
from tests.factories import VendorUserFactory, make_client, make_grant
from tests.vendors.webhook_receiver import webhook_receiver
from vendors import webhooks
from vendors.models import WebhookDelivery

pytestmark = pytest.mark.django_db


def test_a_delivery_is_signed_with_a_timestamp_and_the_clients_secret():
    with webhook_receiver() as receiver:
        client, _ = make_client()
        _, secret = webhooks.set_endpoint(client, receiver.url)
        grant = make_grant(client=client)
        revoke_grant(grant, actor=grant.person)
        delivery = WebhookDelivery.objects.get(client=client)

        delivered = webhooks.deliver(delivery.pk)

    headers, body = receiver.requests[0]
    assert delivered.status == WebhookDelivery.Status.DELIVERED and delivered.attempts == 1
    assert webhooks.verify_signature(secret, body, headers["VRM-Signature"])
    assert not webhooks.verify_signature(secret, body + b" ", headers["VRM-Signature"])
    assert not webhooks.verify_signature("whsec_wrong", body, headers["VRM-Signature"])
    assert json.loads(body)["event"] == "grant.revoked" and json.loads(body)["grant"]["id"] == str(grant.pk)
    assert headers["VRM-Event"] == "grant.revoked" and headers["VRM-Delivery"] == str(delivery.pk)


def test_an_old_timestamp_fails_verification_even_with_the_right_mac():
    header = webhooks.sign("whsec_x", b"{}", 1_000_000)

    assert not webhooks.verify_signature("whsec_x", b"{}", header)
    assert webhooks.verify_signature("whsec_x", b"{}", header, now=1_000_100)


def test_a_failed_attempt_is_recorded_and_backs_off_then_gives_up():
    with webhook_receiver(status=500) as receiver:
        client, _ = make_client()
        webhooks.set_endpoint(client, receiver.url)
        grant = make_grant(client=client)
        pause_grant(grant, actor=grant.person)
        delivery_id = WebhookDelivery.objects.get(client=client).pk
        now = timezone.now()

        first = webhooks.deliver(delivery_id, now=now)
        for _ in range(webhooks.MAX_ATTEMPTS - 1):
            last = webhooks.deliver(delivery_id, now=now)
        after_giving_up = webhooks.deliver(delivery_id, now=now)

    assert first.last_status_code == 500 and first.next_attempt_at == now + timedelta(seconds=30)
    assert last.status == WebhookDelivery.Status.FAILED and last.attempts == webhooks.MAX_ATTEMPTS
    assert after_giving_up.attempts == webhooks.MAX_ATTEMPTS and len(receiver.requests) == webhooks.MAX_ATTEMPTS


def test_the_task_is_queued_only_after_the_grant_change_commits(django_capture_on_commit_callbacks):
    client, _ = make_client()
    webhooks.set_endpoint(client, "https://shop.example/hooks")
    grant = make_grant(client=client)

    with django_capture_on_commit_callbacks() as callbacks:
        revoke_grant(grant, actor=grant.person)
        queued_before_commit = WebhookDelivery.objects.get(client=client).attempts

    assert len(callbacks) == 1 and queued_before_commit == 0


def test_a_client_without_an_endpoint_gets_no_deliveries():
    grant = make_grant()

    revoke_grant(grant, actor=grant.person)

    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize("url", ["http://shop.example/hooks", "ftp://shop.example/hooks"])
def test_an_endpoint_must_use_https_outside_loopback(url):
    client, _ = make_client()

    with pytest.raises(ValidationError):
        webhooks.set_endpoint(client, url)

    assert not hasattr(client, "webhook_endpoint") or client.webhook_endpoint is None


def test_saving_the_endpoint_again_issues_a_new_secret():
    client, _ = make_client()

    _, first = webhooks.set_endpoint(client, "https://shop.example/a")
    _, second = webhooks.set_endpoint(client, "https://shop.example/b")

    assert first != second and first.startswith("whsec_")


def test_the_developer_portal_shows_the_secret_once_and_the_delivery_attempts(client):
    developer = VendorUserFactory()
    oauth_client, _ = make_client()
    oauth_client.vendor.members.add(developer)
    client.force_login(developer)
    url = f"/developers/clients/{oauth_client.pk}/webhooks/"

    saved = client.post(url, {"url": "https://shop.example/hooks"})
    shown = client.get(saved["Location"])
    grant = make_grant(client=oauth_client)
    revoke_grant(grant, actor=grant.person)
    later = client.get(url)

    assert saved.status_code == 302 and saved["Location"] == url and "whsec_" in shown.content.decode()
    assert "whsec_" not in later.content.decode()
    assert "grant.revoked" in later.content.decode() and "Pending" in later.content.decode()


def test_another_vendors_developer_cannot_see_the_webhooks(client):
    oauth_client, _ = make_client()
    client.force_login(VendorUserFactory())

    response = client.get(f"/developers/clients/{oauth_client.pk}/webhooks/")

    assert response.status_code == 404


def test_a_bad_endpoint_url_is_a_form_error(client):
    developer = VendorUserFactory()
    oauth_client, _ = make_client()
    oauth_client.vendor.members.add(developer)
    client.force_login(developer)

    response = client.post(f"/developers/clients/{oauth_client.pk}/webhooks/", {"url": "http://shop.example/x"})

    assert response.status_code == 400 and "Use an https URL" in response.content.decode()


def overdue_delivery(client, *, late_by, status=WebhookDelivery.Status.PENDING):
    now = timezone.now()
    return WebhookDelivery.objects.create(
        client=client, event="grant.revoked", payload={"event": "grant.revoked"}, status=status,
        created_at=now - late_by, next_attempt_at=now - late_by,
    )


def test_the_redelivery_sweep_takes_only_pending_deliveries_whose_attempt_is_overdue(monkeypatch):
    client, _ = make_client()
    webhooks.set_endpoint(client, "https://shop.example/hooks")
    lost = overdue_delivery(client, late_by=timedelta(minutes=10))
    overdue_delivery(client, late_by=timedelta(minutes=1))  # its Celery retry is still due to fire
    overdue_delivery(client, late_by=timedelta(hours=1), status=WebhookDelivery.Status.DELIVERED)
    enqueued = []
    monkeypatch.setattr(webhooks, "_enqueue", enqueued.extend)

    count = webhooks.redeliver_overdue()

    assert count == 1 and enqueued == [str(lost.pk)]
