import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from consents.grants import confirm_deletion, revoke_grant
from consents.retention import mark_overdue_deletions, request_due_deletions
from consents.selectors import overdue_deletions
from tests.consents.lifecycle_helpers import events_of, grant_with_webhook, webhooks_of
from tests.factories import issue_token, make_grant
from vendors.models import AccessToken, RefreshToken

pytestmark = pytest.mark.django_db


def ended_grant(now, retention=timedelta(days=30)):
    grant = grant_with_webhook(retention=retention)
    revoke_grant(grant, actor=grant.person, now=now)
    return grant


def test_it_requests_deletion_when_retention_ends_and_only_then():
    now = timezone.now()
    grant = ended_grant(now)

    early = request_due_deletions(now=now + timedelta(days=29))
    due = request_due_deletions(now=now + timedelta(days=30))
    again = request_due_deletions(now=now + timedelta(days=31))

    grant.refresh_from_db()
    assert (early, due, again) == (0, 1, 0)
    assert grant.deletion_requested_at == now + timedelta(days=30)
    assert events_of(grant) == ["revoked", "retention_ended", "deletion_requested"]
    assert webhooks_of(grant) == ["grant.revoked", "grant.retention_ended"]


def test_a_live_grant_is_never_asked_to_delete():
    grant = make_grant(retention_ends_at=timezone.now() - timedelta(days=1))

    assert request_due_deletions() == 0
    assert events_of(grant) == []


def test_an_unconfirmed_request_becomes_overdue_after_the_grace_period(settings):
    settings.VRM_DELETION_GRACE_DAYS = 14
    now = timezone.now()
    grant = ended_grant(now, retention=timedelta(days=1))
    request_due_deletions(now=now + timedelta(days=1))

    within = mark_overdue_deletions(now=now + timedelta(days=14))
    overdue = mark_overdue_deletions(now=now + timedelta(days=15, seconds=1))
    again = mark_overdue_deletions(now=now + timedelta(days=16))

    grant.refresh_from_db()
    assert (within, overdue, again) == (0, 1, 0) and grant.deletion_overdue_at is not None
    assert events_of(grant)[-1] == "deletion_overdue"
    assert grant in overdue_deletions(now=now + timedelta(days=16))


def test_a_confirmed_request_never_becomes_overdue():
    now = timezone.now()
    grant = ended_grant(now, retention=timedelta(days=1))
    request_due_deletions(now=now + timedelta(days=1))
    confirm_deletion(grant, now=now + timedelta(days=2))

    assert mark_overdue_deletions(now=now + timedelta(days=100)) == 0


def test_run_retention_prints_json_and_clears_expired_tokens():
    grant = make_grant()
    issue_token(grant, expires_in=timedelta(seconds=-10))
    RefreshToken.objects.filter(consent=grant).delete()  # nothing could refresh it any more
    out = StringIO()

    call_command("run_retention", "--json", stdout=out)

    result = json.loads(out.getvalue())
    assert result["expired_tokens_cleared"] == 1 and result["deletions_requested"] == 0
    assert result["erased_accounts_purged"] == 0
    assert not AccessToken.objects.filter(consent=grant).exists()
