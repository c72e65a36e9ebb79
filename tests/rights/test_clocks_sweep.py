"""The rights clocks sweep: by hand (`run_rights_clocks --json`) and in a real Celery worker process."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEntry
from rights.models import RightsNotice, RightsRequest
from rights.tasks import run_rights_clocks
from tests.factories import AuditorFactory, make_client, make_grant
from tests.processes import wait_until
from tests.rights.helpers import file
from tests.vendors.webhook_receiver import webhook_receiver
from vendors import webhooks
from vendors.models import WebhookDelivery


def time_travel_past_deadline(request):
    """Move the request's filing and deadline into the past, as if its month had gone by."""
    past = timezone.now() - timedelta(minutes=1)
    RightsRequest.objects.filter(pk=request.pk).update(
        filed_at=past - timedelta(days=31), due_at=past, deadline_at=past
    )


@pytest.mark.django_db
def test_run_rights_clocks_prints_json(person):
    request = file(person, now=timezone.now())
    time_travel_past_deadline(request)
    out, again = StringIO(), StringIO()

    call_command("run_rights_clocks", "--json", stdout=out)
    call_command("run_rights_clocks", "--json", stdout=again)

    assert json.loads(out.getvalue()) == {"reminded": 0, "overdue": 1}
    assert json.loads(again.getvalue()) == {"reminded": 0, "overdue": 0}


@pytest.mark.integration
def test_the_worker_flags_a_request_overdue_once_notifies_the_person_and_the_vendor(worker, person, client):
    with webhook_receiver() as receiver:
        oauth_client, _ = make_client()
        secret = webhooks.set_endpoint(oauth_client, receiver.url)[1]
        first = file(person, make_grant(person=person, client=oauth_client), now=timezone.now())
        wait_until(lambda: len(receiver.requests) == 1, message="the rights_request.created webhook")
        time_travel_past_deadline(first)

        run_rights_clocks.delay()
        wait_until(lambda: RightsRequest.objects.get(pk=first.pk).status == "overdue", message="the sweep")
        # A second sweep (beat's next tick): proven to have run when a second, later-due request is flagged.
        second = file(person, make_grant(person=person), now=timezone.now())
        time_travel_past_deadline(second)
        run_rights_clocks.delay()
        wait_until(lambda: RightsRequest.objects.get(pk=second.pk).status == "overdue", message="the second sweep")
        wait_until(lambda: len(receiver.requests) == 2, message="the rights_request.overdue webhook")

    overdue_events = AuditEntry.objects.filter(event="rights_overdue", detail__rights_request=str(first.pk))
    assert overdue_events.count() == 1
    assert RightsNotice.objects.filter(request=first, event="overdue").count() == 1
    assert WebhookDelivery.objects.filter(client=oauth_client, event="rights_request.overdue").count() == 1
    headers, body = receiver.requests[1]
    assert headers["VRM-Event"] == "rights_request.overdue"
    assert json.loads(body)["rights_request"]["id"] == str(first.pk)
    assert webhooks.verify_signature(secret, body, headers["VRM-Signature"])
    client.force_login(person)
    assert "was overdue" in client.get("/rights/").content.decode()
    client.force_login(AuditorFactory())
    compliance = client.get("/audit/rights/compliance/?export=jsonl")
    rows = [json.loads(line) for line in b"".join(compliance.streaming_content).decode().splitlines()]
    assert sum(row["overdue"] for row in rows) == 2
