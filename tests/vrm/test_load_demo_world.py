from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEntry, Receipt
from audit.verification import verify_chain
from consents.models import Grant
from consents.selectors import overdue_deletions
from notifications.models import Notice
from vendors.models import Vendor
from vrm.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(capsys):
    call_command("load_demo", "--json")
    return User.objects.get(username="demo-person")


def test_the_demo_world_has_grants_in_every_state_and_an_unverified_vendor(demo):
    grants = Grant.objects.filter(person=demo)

    assert set(grants.values_list("status", flat=True)) == {"active", "paused", "revoked", "expired"}
    assert Vendor.objects.filter(verified=False).count() == 1 and Vendor.objects.count() >= 5
    assert grants.filter(status="active", expires_at__lt=timezone.now() + timedelta(days=7)).exists()


def test_the_demo_has_weeks_of_spread_out_reads_and_a_receipt_per_grant(demo):
    reads = AuditEntry.objects.filter(kind="access", event="read").order_by("at")
    days = {entry.at.date() for entry in reads}

    assert reads.last().at - reads.first().at > timedelta(days=21) and len(days) >= 14
    assert all(Receipt.objects.filter(grant_id=g.pk).exists() for g in Grant.objects.filter(person=demo))
    assert verify_chain().ok


def test_the_demo_has_a_pending_and_an_overdue_deletion_confirmation_and_their_notices(demo):
    pending = Grant.objects.filter(person=demo, deletion_requested_at__isnull=False, deletion_overdue_at__isnull=True)

    assert pending.count() == 1 and pending.get() not in overdue_deletions()
    assert overdue_deletions().count() == 1
    assert set(Notice.objects.filter(person=demo).values_list("kind", flat=True)) == {
        "grant_ending", "deletion_overdue",
    }


def test_a_second_run_adds_nothing_to_the_world(demo):
    before = (Grant.objects.count(), AuditEntry.objects.count(), Vendor.objects.count(), Notice.objects.count())

    call_command("load_demo", "--json")

    assert (Grant.objects.count(), AuditEntry.objects.count(), Vendor.objects.count(),
            Notice.objects.count()) == before
