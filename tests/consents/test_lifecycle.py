from datetime import timedelta

import pytest
from django.utils import timezone

from consents.exceptions import GrantPaused, GrantRevoked, InvalidTerms, ScopeNotGranted
from consents.grants import (
    check_access,
    confirm_deletion,
    leave_vendor,
    narrow_grant,
    pause_grant,
    resume_grant,
    revoke_grant,
    shorten_grant,
)
from consents.exceptions import DeletionNotDue
from consents.models import Grant
from tests.consents.lifecycle_helpers import events_of, grant_with_webhook, webhooks_of
from tests.factories import issue_token, make_grant
from vendors.models import AccessToken

pytestmark = pytest.mark.django_db


def test_pause_refuses_access_records_it_and_tells_the_vendor():
    grant = grant_with_webhook()

    paused = pause_grant(grant, actor=grant.person, reason="holiday")

    with pytest.raises(GrantPaused):
        check_access(paused, scopes=["contact:read"])
    assert events_of(grant) == ["paused"] and webhooks_of(grant) == ["grant.paused"]


def test_resume_makes_a_paused_grant_usable_again():
    grant = grant_with_webhook()
    pause_grant(grant, actor=grant.person)

    resumed = resume_grant(grant, actor=grant.person)

    assert check_access(resumed, scopes=["contact:read"]) == {"contact:read"}
    assert events_of(grant) == ["paused", "resumed"] and webhooks_of(grant) == ["grant.paused", "grant.resumed"]


def test_a_resume_date_in_the_past_is_refused_and_changes_nothing():
    grant = make_grant()

    with pytest.raises(InvalidTerms):
        pause_grant(grant, actor=grant.person, until=timezone.now() - timedelta(hours=1))

    grant.refresh_from_db()
    assert grant.status == Grant.Status.ACTIVE and events_of(grant) == []


def test_narrow_takes_scopes_away_for_existing_tokens_too():
    grant = grant_with_webhook(scopes=("contact:read", "address:read"))
    issue_token(grant)

    narrowed = narrow_grant(grant, actor=grant.person, scopes=["contact:read"])

    with pytest.raises(ScopeNotGranted):
        check_access(narrowed, scopes=["address:read"], within=["contact:read", "address:read"])
    assert events_of(grant) == ["narrowed"] and webhooks_of(grant) == ["grant.changed"]


@pytest.mark.parametrize("scopes", [[], ["contact:read", "address:read"], ["identity:read"]])
def test_narrowing_to_nothing_the_same_or_more_is_refused(scopes):
    grant = make_grant(scopes=("contact:read", "address:read"))

    with pytest.raises(InvalidTerms):
        narrow_grant(grant, actor=grant.person, scopes=scopes)

    grant.refresh_from_db()
    assert grant.scopes == ["contact:read", "address:read"] and events_of(grant) == []


def test_shorten_moves_the_end_earlier_and_cuts_tokens_back():
    grant = grant_with_webhook()
    issue_token(grant, expires_in=timedelta(days=10))
    new_end = timezone.now() + timedelta(hours=2)

    shortened = shorten_grant(grant, actor=grant.person, expires_at=new_end)

    assert shortened.expires_at == new_end
    assert AccessToken.objects.get(consent=grant).expires == new_end
    assert events_of(grant) == ["changed"] and webhooks_of(grant) == ["grant.changed"]


def test_shorten_cannot_extend_a_grant():
    grant = make_grant()

    with pytest.raises(InvalidTerms):
        shorten_grant(grant, actor=grant.person, expires_at=grant.expires_at + timedelta(days=1))


def test_a_revoked_grant_cannot_be_paused_or_narrowed():
    grant = make_grant(scopes=("contact:read", "address:read"))
    revoke_grant(grant, actor=grant.person)

    with pytest.raises(GrantRevoked):
        pause_grant(grant, actor=grant.person)
    with pytest.raises(GrantRevoked):
        narrow_grant(grant, actor=grant.person, scopes=["contact:read"])


def test_revoke_tells_the_vendor_by_webhook():
    grant = grant_with_webhook()

    revoke_grant(grant, actor=grant.person, reason="no longer a customer")

    assert webhooks_of(grant) == ["grant.revoked"]


def test_leave_vendor_revokes_every_grant_of_that_vendor_and_requests_erasure_once():
    grant = grant_with_webhook()
    other_grant_same_person = make_grant(person=grant.person)
    issue_token(grant)

    concerned = leave_vendor(grant.person, grant.client.vendor, actor=grant.person)
    again = leave_vendor(grant.person, grant.client.vendor, actor=grant.person)

    grant.refresh_from_db()
    other_grant_same_person.refresh_from_db()
    assert (concerned, again) == (1, 0)
    assert grant.status == Grant.Status.REVOKED and grant.deletion_requested_at is not None
    assert not AccessToken.objects.filter(consent=grant).exists()
    assert other_grant_same_person.status == Grant.Status.ACTIVE
    assert events_of(grant) == ["revoked", "deletion_requested"]
    assert webhooks_of(grant) == ["grant.revoked", "grant.retention_ended"]


def test_confirm_deletion_is_recorded_once_and_refused_while_live():
    live = make_grant()
    ended = make_grant()
    revoke_grant(ended, actor=ended.person)

    with pytest.raises(DeletionNotDue):
        confirm_deletion(live)
    confirm_deletion(ended)
    confirm_deletion(ended)

    ended.refresh_from_db()
    assert ended.deletion_confirmed_at is not None
    assert events_of(ended) == ["revoked", "deletion_confirmed"]
