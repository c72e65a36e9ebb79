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
        last = first
        for _ in range(webhooks.MAX_ATTEMPTS - 1):
            last = webhooks.deliver(delivery_id, now=last.next_attempt_at)
        after_giving_up = webhooks.deliver(delivery_id, now=now + timedelta(days=1))

    stored = WebhookDelivery.objects.get(pk=delivery_id)
    assert first.last_status_code == 500 and first.next_attempt_at == now + timedelta(seconds=30)
    assert first.last_error == "HTTP 500"
    assert last.status == WebhookDelivery.Status.FAILED and stored.attempts == webhooks.MAX_ATTEMPTS
    assert after_giving_up is None and len(receiver.requests) == webhooks.MAX_ATTEMPTS


def revoked_delivery(client):
    grant = make_grant(client=client)
    revoke_grant(grant, actor=grant.person)
    return WebhookDelivery.objects.get(client=client).pk


def test_an_attempt_before_the_back_off_ends_posts_nothing():
    with webhook_receiver(status=503) as receiver:
        client, _ = make_client()
        webhooks.set_endpoint(client, receiver.url)
        delivery_id = revoked_delivery(client)
        now = timezone.now()
        webhooks.deliver(delivery_id, now=now)

        early = webhooks.deliver(delivery_id, now=now + timedelta(seconds=29))

    assert early is None and len(receiver.requests) == 1
    assert WebhookDelivery.objects.get(pk=delivery_id).attempts == 1


def test_a_delivery_claimed_by_one_attempt_is_not_posted_by_a_second_copy():
    with webhook_receiver() as receiver:
        client, _ = make_client()
        webhooks.set_endpoint(client, receiver.url)
        delivery_id = revoked_delivery(client)
        now = timezone.now()
        lease = webhooks.claim(delivery_id, now=now)  # a first copy is posting

        second = webhooks.deliver(delivery_id, now=now)

    assert lease == now + webhooks.LEASE
    assert second is None and receiver.requests == []
    assert WebhookDelivery.objects.get(pk=delivery_id).attempts == 0


def test_an_attempt_whose_lease_ran_out_is_taken_up_again_and_recorded_once():
    with webhook_receiver() as receiver:
        client, _ = make_client()
        webhooks.set_endpoint(client, receiver.url)
        delivery_id = revoked_delivery(client)
        now = timezone.now()
        webhooks.claim(delivery_id, now=now)  # a worker claimed it and died

        taken_up = webhooks.deliver(delivery_id, now=now + webhooks.LEASE)

    assert taken_up.status == WebhookDelivery.Status.DELIVERED and len(receiver.requests) == 1
    assert WebhookDelivery.objects.get(pk=delivery_id).attempts == 1


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


def test_the_redelivery_sweep_takes_only_pending_deliveries_whose_attempt_is_overdue(django_capture_on_commit_callbacks):
    client, _ = make_client()
    webhooks.set_endpoint(client, "https://shop.example/hooks")
    lost = overdue_delivery(client, late_by=timedelta(minutes=10))
    retrying = overdue_delivery(client, late_by=timedelta(minutes=1))  # its Celery retry is still due to fire
    overdue_delivery(client, late_by=timedelta(hours=1), status=WebhookDelivery.Status.DELIVERED)
    now = timezone.now()

    with django_capture_on_commit_callbacks() as callbacks:
        count = webhooks.redeliver_overdue(now=now)

    assert count == 1 and len(callbacks) == 1
    assert WebhookDelivery.objects.get(pk=lost.pk).next_attempt_at == now  # marked as handed over
    assert WebhookDelivery.objects.get(pk=retrying.pk).next_attempt_at < now


def test_the_redelivery_sweep_drains_a_backlog_in_batches_and_a_second_run_takes_nothing(
    django_capture_on_commit_callbacks,
):
    client, _ = make_client()
    for _ in range(7):
        overdue_delivery(client, late_by=timedelta(minutes=10))
    now = timezone.now()

    with django_capture_on_commit_callbacks() as callbacks:
        first = webhooks.redeliver_overdue(now=now, batch_size=3)
    with django_capture_on_commit_callbacks() as again:
        second = webhooks.redeliver_overdue(now=now + timedelta(minutes=1), batch_size=3)

    assert first == 7 and len(callbacks) == 3  # batches of 3, 3 and 1, each sent after its commit
    assert second == 0 and again == []
    assert not WebhookDelivery.objects.filter(next_attempt_at__lt=now).exists()


def test_the_signing_secret_survives_a_secret_key_rotation_and_follows_its_own_key(settings):
    client, _ = make_client()
    endpoint, secret = webhooks.set_endpoint(client, "https://shop.example/hooks")

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a rotated secret key " * 3, [settings.SECRET_KEY]
    after_rotation = webhooks.signing_secret(endpoint)
    settings.VRM_WEBHOOK_KEY = "another webhook key"
    under_another_key = webhooks.signing_secret(endpoint)

    assert after_rotation == secret and under_another_key != secret
