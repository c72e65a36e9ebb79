import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from consents.expiry import expire_due_grants, resume_due_grants
from consents.grants import pause_grant
from consents.models import Grant
from tests.consents.lifecycle_helpers import events_of, grant_with_webhook, webhooks_of
from tests.factories import issue_token, make_grant
from vendors.models import AccessToken, RefreshToken

pytestmark = pytest.mark.django_db


def test_it_expires_grants_past_their_end_with_tokens_events_and_webhooks():
    now = timezone.now()
    due = grant_with_webhook(starts_at=now - timedelta(days=1), expires_at=now - timedelta(minutes=5))
    issue_token(due)
    current = make_grant()

    expired = expire_due_grants(now=now)

    due.refresh_from_db()
    current.refresh_from_db()
    assert expired == 1
    assert due.status == Grant.Status.EXPIRED and current.status == Grant.Status.ACTIVE
    assert due.ended_at == due.expires_at and due.retention_ends_at == due.expires_at + due.retention
    assert not AccessToken.objects.filter(consent=due).exists()
    assert not RefreshToken.objects.filter(consent=due, revoked__isnull=True).exists()
    assert events_of(due) == ["expired"] and webhooks_of(due) == ["grant.expired"]


def test_running_it_twice_records_one_event_per_grant():
    now = timezone.now()
    grants = [make_grant(starts_at=now - timedelta(days=1), expires_at=now - timedelta(seconds=1)) for _ in range(5)]

    first = expire_due_grants(now=now, batch_size=2)
    second = expire_due_grants(now=now, batch_size=2)

    assert (first, second) == (5, 0)
    assert all(events_of(grant) == ["expired"] for grant in grants)


def test_a_paused_grant_past_its_end_expires_too():
    now = timezone.now()
    grant = make_grant(status=Grant.Status.PAUSED, starts_at=now - timedelta(days=1), expires_at=now - timedelta(seconds=1))

    expire_due_grants(now=now)

    grant.refresh_from_db()
    assert grant.status == Grant.Status.EXPIRED and grant.paused_until is None


def test_it_resumes_paused_grants_whose_date_has_come():
    now = timezone.now()
    grant = grant_with_webhook()
    pause_grant(grant, actor=grant.person, until=now + timedelta(hours=1), now=now)

    before = resume_due_grants(now=now + timedelta(minutes=59))
    after = resume_due_grants(now=now + timedelta(hours=1))

    grant.refresh_from_db()
    assert (before, after) == (0, 1) and grant.status == Grant.Status.ACTIVE
    assert events_of(grant) == ["paused", "resumed"]
    assert webhooks_of(grant) == ["grant.paused", "grant.resumed"]


def test_run_expiry_prints_json():
    make_grant(starts_at=timezone.now() - timedelta(days=1), expires_at=timezone.now() - timedelta(seconds=1))
    out = StringIO()

    call_command("run_expiry", "--json", stdout=out)

    assert json.loads(out.getvalue()) == {"expired": 1, "resumed": 0}
