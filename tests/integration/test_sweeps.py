"""The grant sweeps in a real Celery worker process on the configured broker (filesystem or Redis)."""

import signal
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from consents.models import Grant
from consents.tasks import expire_due_grants
from tests.processes import celery_worker, wait_until
from tests.factories import issue_token, make_client, make_grant
from tests.vendors.webhook_receiver import webhook_receiver
from vendors import webhooks
from vendors.models import AccessToken
from vrm.models import User

pytestmark = pytest.mark.integration


def test_a_grant_that_expires_is_refused_loses_its_tokens_and_the_vendor_gets_a_signed_webhook(worker, client):
    with webhook_receiver() as receiver:
        oauth_client, _ = make_client()
        _, secret = webhooks.set_endpoint(oauth_client, receiver.url)
        grant = make_grant(client=oauth_client)
        raw = issue_token(grant)
        assert client.get("/api/v1/grant", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
        Grant.objects.filter(pk=grant.pk).update(expires_at=timezone.now())

        expire_due_grants.delay()

        wait_until(lambda: Grant.objects.get(pk=grant.pk).status == Grant.Status.EXPIRED, message="the expiry sweep")
        wait_until(lambda: receiver.requests, message="the grant.expired webhook")
    headers, body = receiver.requests[0]
    assert client.get("/api/v1/grant", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert not AccessToken.objects.filter(consent=grant).exists()
    assert headers["VRM-Event"] == "grant.expired"
    assert webhooks.verify_signature(secret, body, headers["VRM-Signature"])


def many_due_grants(count):
    oauth_client, _ = make_client()
    tag = uuid.uuid4().hex[:8]
    people = User.objects.bulk_create(
        [User(username=f"sweep-{tag}-{i}", role=User.Role.PERSON) for i in range(count)]
    )
    now = timezone.now()
    Grant.objects.bulk_create(
        [
            Grant(
                person=person, client=oauth_client, requested_scopes=["contact:read"], scopes=["contact:read"],
                purpose=Grant.Purpose.DELIVERY, starts_at=now - timedelta(days=2), expires_at=now - timedelta(seconds=1),
                retention=timedelta(days=30),
            )
            for person in people
        ]
    )


def test_a_worker_killed_mid_sweep_and_restarted_finishes_with_one_event_per_grant(transactional_db, tmp_path):
    total = 300
    many_due_grants(total)
    expired = lambda: Grant.objects.filter(status=Grant.Status.EXPIRED).count()  # noqa: E731

    with celery_worker(tmp_path / "first.log") as first:
        expire_due_grants.delay(batch_size=5)
        wait_until(lambda: expired() >= 5, message="the first committed batch")
        first.send_signal(signal.SIGKILL)
        first.wait()
    done_before_the_kill = expired()
    with celery_worker(tmp_path / "second.log"):
        expire_due_grants.delay(batch_size=5)  # beat's next tick
        wait_until(lambda: expired() == total, timeout=120, message="the restarted sweep")

    events = AuditEntry.objects.filter(event="expired")
    assert 0 < done_before_the_kill < total, "the kill must land mid-sweep"
    assert events.count() == total
    assert events.values("grant_id").distinct().count() == total
