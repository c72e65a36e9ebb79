"""Two sweeps at once (two threads, two database connections) expire every grant once between them."""

import threading

import pytest
from django.db import connection

from audit.models import AuditEntry
from consents.expiry import expire_due_grants
from consents.models import Grant
from tests.integration.test_sweeps import many_due_grants

pytestmark = pytest.mark.integration


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
