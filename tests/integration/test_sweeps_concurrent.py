"""Two sweeps at once expire every grant, and request every due deletion, once between them: two threads
of one process, and two real Celery worker processes on the configured broker."""

import ast
import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import AuditEntry, Receipt
from audit.verification import verify_chain
from consents import tasks
from consents.expiry import expire_due_grants
from consents.models import Grant
from tests.integration.test_sweeps import many_due_grants
from tests.processes import celery_worker, wait_until
from tests.vendors.webhook_receiver import webhook_receiver
from vendors import webhooks
from vendors.models import OAuthClient, WebhookDelivery

pytestmark = pytest.mark.integration

SUCCEEDED = re.compile(r"Task consents\.tasks\.(\w+)\[[^\]]+\] succeeded in [\d.e-]+s: (.+)$", re.MULTILINE)


def test_two_concurrent_sweeps_record_one_event_per_grant(transactional_db):
    total = 60
    many_due_grants(total)
    counts, errors = [], []

    def sweep():
        try:
            counts.append(expire_due_grants(batch_size=4))
        except Exception as error:  # reported by the assertion below, not swallowed
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(counts) == total and Grant.objects.filter(status=Grant.Status.EXPIRED).count() == total
    assert AuditEntry.objects.filter(event="expired").values("grant_id").distinct().count() == total
    assert AuditEntry.objects.filter(event="expired").count() == total


def many_grants_past_retention(count):
    """`count` expired grants of new people whose retention ran out a moment ago (deletion not yet asked);
    call it before adding any other grant."""
    many_due_grants(count)
    ended = timezone.now() - timedelta(days=1)
    Grant.objects.update(status=Grant.Status.EXPIRED, ended_at=ended, retention_ends_at=ended + timedelta(hours=1))


def results_in(*logs):
    """(task name, returned value) of every sweep task the workers logged as succeeded."""
    return [(name, ast.literal_eval(value)) for log in logs for name, value in SUCCEEDED.findall(log.read_text())]


def once_per_grant(queryset, grant_ids):
    """True when `queryset` (rows with a grant id) holds exactly one row for each of `grant_ids`."""
    return sorted(str(grant_id) for grant_id in queryset) == sorted(str(grant_id) for grant_id in grant_ids)


def test_two_worker_processes_sweeping_the_same_grants_expire_and_request_each_once(transactional_db, tmp_path):
    to_expire, past_retention = 300, 200
    many_grants_past_retention(past_retention)
    many_due_grants(to_expire)
    expiring = list(Grant.objects.filter(status=Grant.Status.ACTIVE).values_list("pk", flat=True))
    retained = list(Grant.objects.filter(status=Grant.Status.EXPIRED).values_list("pk", flat=True))
    logs = [tmp_path / "first.log", tmp_path / "second.log"]

    with webhook_receiver() as receiver, celery_worker(logs[0]), celery_worker(logs[1]):
        for oauth_client in OAuthClient.objects.all():
            webhooks.set_endpoint(oauth_client, receiver.url)
        wait_until(lambda: all(" ready." in log.read_text() for log in logs), timeout=60, message="both workers")
        # Each sweep twice, small batches, so that the two workers (prefetch 1) take batches in turn.
        for task in (tasks.run_retention, tasks.run_retention, tasks.expire_due_grants, tasks.expire_due_grants):
            task.delay(batch_size=5)
        wait_until(lambda: len(results_in(*logs)) == 4, timeout=240, message="four sweeps to finish")

    per_worker = [results_in(log) for log in logs]
    results = results_in(*logs)
    expired = sum(value for name, value in results if name == "expire_due_grants")
    requested = sum(value["deletions_requested"] for name, value in results if name == "run_retention")
    assert all(per_worker), "each worker ran at least one sweep"
    assert (expired, requested) == (to_expire, past_retention)
    assert Grant.objects.filter(pk__in=expiring, status=Grant.Status.EXPIRED).count() == to_expire
    assert Grant.objects.filter(pk__in=retained, deletion_requested_at__isnull=False).count() == past_retention
    events = AuditEntry.objects.values_list("grant_id", flat=True)
    assert once_per_grant(events.filter(event="expired"), expiring)
    assert once_per_grant(Receipt.objects.filter(event="expired").values_list("grant_id", flat=True), expiring)
    assert once_per_grant(events.filter(event="retention_ended"), retained)
    assert once_per_grant(events.filter(event="deletion_requested"), retained)
    deliveries = WebhookDelivery.objects.values_list("payload__grant__id", flat=True)
    assert once_per_grant(deliveries.filter(event="grant.expired"), expiring)
    assert once_per_grant(deliveries.filter(event="grant.retention_ended"), retained)
    assert verify_chain().ok
