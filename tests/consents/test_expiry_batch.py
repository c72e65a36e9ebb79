"""The expiry sweep at scale: a batch costs the same queries whatever its size, and each grant still gets its
own chained event and signed receipt."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit import signing, standalone_verify
from audit.models import AuditEntry, Receipt
from audit.verification import verify_chain
from consents.expiry import expire_due_grants
from consents.models import Grant
from tests.consents.lifecycle_helpers import grant_with_webhook
from tests.factories import issue_token, make_grant

pytestmark = pytest.mark.django_db


def due_grants(count, now):
    """Due grants of two vendors' clients (one with a webhook endpoint), each with a live token."""
    clients = [grant_with_webhook().client, make_grant().client]
    grants = []
    for number in range(count):
        grant = make_grant(
            client=clients[number % 2], starts_at=now - timedelta(days=1), expires_at=now - timedelta(minutes=1)
        )
        issue_token(grant)
        grants.append(grant)
    return grants


def queries_to_expire(count, now):
    due_grants(count, now)
    with CaptureQueriesContext(connection) as queries:
        assert expire_due_grants(now=now) == count
    return len(queries.captured_queries)


def test_a_batch_of_fifty_costs_the_same_queries_as_a_batch_of_five():
    now = timezone.now()

    five = queries_to_expire(5, now)
    fifty = queries_to_expire(50, now)

    assert fifty == five


def test_every_grant_of_a_batch_gets_its_event_and_a_receipt_that_verifies():
    now = timezone.now()
    grants = due_grants(6, now)

    expire_due_grants(now=now, batch_size=4)

    entries = {entry.grant_id: entry for entry in AuditEntry.objects.filter(event="expired")}
    assert sorted(entries) == sorted(grant.pk for grant in grants) and len(entries) == 6
    assert set(Grant.objects.filter(pk__in=entries).values_list("status", flat=True)) == {Grant.Status.EXPIRED}
    for receipt in Receipt.objects.all():
        payload, _ = standalone_verify.verify_receipt(json.dumps(receipt.document()), signing.public_keys())
        assert payload["status"] == "expired" and payload["record_version"] == 1
        assert payload["audit_entry"]["seq"] == entries[receipt.grant_id].seq
        assert payload["controller"]["name"] == Grant.objects.get(pk=receipt.grant_id).client.vendor.name
    assert Receipt.objects.filter(event="expired").count() == 6 and verify_chain().ok
