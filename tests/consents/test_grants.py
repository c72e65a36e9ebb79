from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from consents.exceptions import (
    GrantExpired,
    GrantPaused,
    GrantRevoked,
    InvalidTerms,
    ScopeNotGranted,
)
from consents.grants import check_access, create_grant, revoke_all_grants_of_person, revoke_grant
from consents.models import Grant
from tests.factories import UserFactory, issue_token, make_client, make_grant
from vendors.models import AccessToken, RefreshToken

pytestmark = pytest.mark.django_db


def give(person, client, scopes=("contact:read",), requested=("contact:read", "address:read"), **terms):
    values = {
        "purpose": "delivery",
        "purpose_text": "To deliver your parcels",
        "duration": timedelta(days=30),
        "retention": timedelta(days=7),
    }
    values.update(terms)
    return create_grant(person=person, client=client, requested_scopes=requested, scopes=scopes, **values)


def events_of(grant):
    return list(AuditEntry.objects.filter(grant_id=grant.pk).order_by("seq").values_list("event", flat=True))


def test_create_grant_records_what_was_asked_and_what_was_allowed():
    person, (client, _) = UserFactory(), make_client()
    now = timezone.now()

    grant = give(person, client, now=now)

    assert (grant.requested_scopes, grant.scopes) == (["address:read", "contact:read"], ["contact:read"])
    assert grant.expires_at == now + timedelta(days=30) and grant.status == Grant.Status.ACTIVE
    assert events_of(grant) == ["created"]


def test_asking_again_changes_the_live_grant_instead_of_adding_one():
    person, (client, _) = UserFactory(), make_client()
    first = give(person, client)

    second = give(person, client, scopes=("contact:read", "address:read"), duration=timedelta(days=5))

    assert second.pk == first.pk and Grant.objects.count() == 1
    assert second.scopes == ["address:read", "contact:read"]
    assert events_of(second) == ["created", "changed"]


def test_shorter_new_terms_cut_back_the_existing_tokens():
    person, (client, _) = UserFactory(), make_client()
    grant = give(person, client, duration=timedelta(days=30))
    issue_token(grant, expires_in=timedelta(days=10))

    grant = give(person, client, duration=timedelta(hours=1))

    assert AccessToken.objects.get(consent=grant).expires == grant.expires_at


@pytest.mark.parametrize(
    "scopes, requested, message",
    [
        ((), ("contact:read",), "at least one scope"),
        (("address:read",), ("contact:read",), "did not ask for"),
        (("secrets:read",), ("secrets:read",), "Unknown scope"),
    ],
)
def test_a_grant_never_holds_more_than_was_asked(scopes, requested, message):
    person, (client, _) = UserFactory(), make_client()

    with pytest.raises(InvalidTerms, match=message):
        give(person, client, scopes=scopes, requested=requested)

    assert not Grant.objects.exists() and not AuditEntry.objects.exists()


def test_revoking_ends_the_grant_and_deletes_its_tokens_at_once():
    grant = make_grant()
    issue_token(grant)
    now = timezone.now()

    revoked = revoke_grant(grant, actor=grant.person, reason="changed my mind", now=now)

    assert revoked.status == Grant.Status.REVOKED and revoked.ended_at == now
    assert revoked.retention_ends_at == now + grant.retention
    assert not AccessToken.objects.filter(consent=grant).exists()
    assert not RefreshToken.objects.filter(consent=grant, revoked__isnull=True).exists()
    assert events_of(grant) == ["revoked"]


def test_revoking_twice_changes_nothing_more():
    grant = make_grant()
    first = revoke_grant(grant, actor=grant.person)

    second = revoke_grant(grant, actor=grant.person, reason="again")

    assert second.ended_at == first.ended_at and second.change_reason == ""
    assert events_of(grant) == ["revoked"]


def test_revoke_all_grants_of_person_leaves_other_persons_alone():
    person = UserFactory()
    mine = [make_grant(person=person), make_grant(person=person)]
    other = make_grant()

    count = revoke_all_grants_of_person(person, actor=person, reason="account erased")

    assert count == 2
    assert {Grant.objects.get(pk=grant.pk).status for grant in mine} == {Grant.Status.REVOKED}
    assert Grant.objects.get(pk=other.pk).status == Grant.Status.ACTIVE


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"status": Grant.Status.REVOKED}, GrantRevoked),
        ({"status": Grant.Status.EXPIRED}, GrantExpired),
        ({"status": Grant.Status.PAUSED}, GrantPaused),
    ],
)
def test_check_access_names_why_a_grant_cannot_be_used(fields, error):
    grant = make_grant(**fields)

    with pytest.raises(error):
        check_access(grant, scopes=["contact:read"])


def test_check_access_treats_a_grant_past_its_end_as_expired_before_any_sweep():
    grant = make_grant()

    with pytest.raises(GrantExpired):
        check_access(grant, scopes=["contact:read"], now=grant.expires_at)


def test_check_access_needs_the_scope_in_both_grant_and_token():
    grant = make_grant(scopes=("contact:read", "address:read"))

    with pytest.raises(ScopeNotGranted, match="address:read"):
        check_access(grant, scopes=["address:read"], within=["contact:read"])
