"""Erasure reaches every vendor at once, and the erased account is purged after its grace period."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEntry, Receipt
from audit.verification import verify_chain
from consents.erased_accounts import purge_erased_accounts
from consents.grants import confirm_deletion
from consents.models import Grant
from consents.retention import mark_overdue_deletions, run_retention
from people.erasure import erase_person
from tests.consents.lifecycle_helpers import events_of, grant_with_webhook, webhooks_of
from tests.factories import UserFactory, issue_token, make_grant
from vendors.models import AccessToken, RefreshToken, WebhookDelivery
from vrm import vault
from vrm.models import User, Vault

pytestmark = pytest.mark.django_db

NOW = timezone.now()
GRACE = timedelta(days=30)  # VRM_ERASED_ACCOUNT_GRACE_DAYS's default


def erased_person_with_two_vendors():
    """A person with a live grant (and its tokens) and an expired one, each to its own vendor, then erased
    and their vault's sealed rows purged. Returns (person, [live, expired])."""
    live = grant_with_webhook(starts_at=NOW - timedelta(days=3))
    vault.update_profile(live.person, category="contact", values={"email": "ada@example.org"})
    expired = grant_with_webhook(
        person=live.person, url="https://grocer.example/hooks", status=Grant.Status.EXPIRED,
        starts_at=NOW - timedelta(days=3), expires_at=NOW - timedelta(days=1), ended_at=NOW - timedelta(days=1),
        retention_ends_at=NOW + timedelta(days=29),
    )
    issue_token(live)
    erase_person(live.person, actor=live.person, now=NOW)
    vault.purge_erased_vaults(now=NOW)
    return live.person, [live, expired]


def settle_deletions(grants):
    """The first vendor confirms its deletion; the second never does and is marked overdue."""
    confirm_deletion(grants[0], now=NOW + timedelta(days=2))
    assert mark_overdue_deletions(now=NOW + timedelta(days=15)) == 1


def test_erasure_asks_every_vendor_at_once_to_delete_what_it_read():
    person, (live, expired) = erased_person_with_two_vendors()

    live.refresh_from_db()
    expired.refresh_from_db()
    assert live.status == Grant.Status.REVOKED and expired.status == Grant.Status.EXPIRED
    for grant in (live, expired):
        assert grant.deletion_requested_at == NOW and grant.retention_ends_at == NOW  # not the grant's data life
    assert events_of(live) == ["revoked", "deletion_requested"]
    assert events_of(expired) == ["deletion_requested"]
    assert webhooks_of(live) == ["grant.revoked", "grant.retention_ended"]
    assert webhooks_of(expired) == ["grant.retention_ended"]
    requests = WebhookDelivery.objects.filter(event="grant.retention_ended")
    assert [delivery.payload["erasure_requested"] for delivery in requests] == [True, True]
    assert not AccessToken.objects.filter(consent=live).exists()


def test_erasure_does_not_ask_again_for_a_deletion_already_confirmed():
    grant = make_grant(
        status=Grant.Status.EXPIRED, starts_at=NOW - timedelta(days=3), expires_at=NOW - timedelta(days=1),
        ended_at=NOW - timedelta(days=1),
    )
    confirm_deletion(grant, now=NOW - timedelta(hours=1))

    erase_person(grant.person, actor=grant.person, now=NOW)

    grant.refresh_from_db()
    assert grant.deletion_requested_at is None and events_of(grant) == ["deletion_confirmed"]


def test_nothing_is_purged_before_the_grace_period_ends():
    person, grants = erased_person_with_two_vendors()
    settle_deletions(grants)

    purged = purge_erased_accounts(now=NOW + GRACE - timedelta(minutes=1))

    assert purged == 0 and User.objects.filter(pk=person.pk).exists()


def test_after_the_grace_period_an_account_with_an_open_deletion_request_stays():
    person, (live, expired) = erased_person_with_two_vendors()
    confirm_deletion(live, now=NOW + timedelta(days=2))  # the other vendor neither confirmed nor is overdue yet

    purged = purge_erased_accounts(now=NOW + GRACE + timedelta(days=1))

    assert purged == 0
    assert User.objects.filter(pk=person.pk).exists() and Grant.objects.filter(person=person).count() == 2


def test_an_erased_vault_not_yet_purged_keeps_the_account():
    grant = make_grant()
    erase_person(grant.person, actor=grant.person, now=NOW)
    confirm_deletion(grant, now=NOW + timedelta(days=1))

    assert purge_erased_accounts(now=NOW + GRACE + timedelta(days=1)) == 0
    assert User.objects.filter(pk=grant.person.pk).exists()


def test_after_the_grace_period_a_settled_account_is_gone_with_its_grants_and_tokens_and_the_record_stays():
    person, grants = erased_person_with_two_vendors()
    settle_deletions(grants)
    entries, receipts = AuditEntry.objects.count(), Receipt.objects.count()
    deliveries = WebhookDelivery.objects.count()

    result = run_retention(now=NOW + GRACE + timedelta(seconds=1))

    assert result["erased_accounts_purged"] == 1
    assert not User.objects.filter(pk=person.pk).exists()
    assert not Grant.objects.filter(pk__in=[grant.pk for grant in grants]).exists()
    assert not Vault.objects.filter(person_id=person.pk).exists()
    assert not AccessToken.objects.filter(user_id=person.pk).exists()
    assert not RefreshToken.objects.filter(user_id=person.pk).exists()
    assert (AuditEntry.objects.count(), Receipt.objects.count()) == (entries + 2, receipts) and receipts > 0
    assert [events_of(grant)[-1] for grant in grants] == ["purged", "purged"]
    purged = AuditEntry.objects.filter(event="purged").first()
    assert (purged.actor, purged.reason) == ("system", "the erased account's grace period ended")
    assert WebhookDelivery.objects.count() == deliveries
    assert verify_chain().ok


def test_the_sweep_run_twice_purges_each_account_once():
    erased_person_with_two_vendors()
    erased_person_with_two_vendors()
    assert mark_overdue_deletions(now=NOW + timedelta(days=15)) == 4  # no vendor confirmed in time
    later = NOW + GRACE + timedelta(days=1)

    counts = [purge_erased_accounts(now=later, batch_size=1), purge_erased_accounts(now=later, batch_size=1)]

    assert counts == [2, 0] and not Grant.objects.exists()
    assert AuditEntry.objects.filter(event="purged").count() == 4


def test_a_live_account_is_never_touched():
    grant = make_grant(
        status=Grant.Status.EXPIRED, starts_at=NOW - timedelta(days=3), expires_at=NOW - timedelta(days=1),
        ended_at=NOW - timedelta(days=1),
    )
    confirm_deletion(grant, now=NOW)
    vault.update_profile(grant.person, category="contact", values={"email": "ada@example.org"})
    without_vault = UserFactory()

    purged = purge_erased_accounts(now=NOW + timedelta(days=3650))

    assert purged == 0
    assert User.objects.filter(pk__in=[grant.person.pk, without_vault.pk]).count() == 2
    assert Grant.objects.filter(pk=grant.pk).exists()
