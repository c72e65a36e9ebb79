from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import DigestSubscription, Notice
from notifications.sweeps import run_notification_sweeps, send_due_digests
from tests.factories import make_grant
from tests.notifications.helpers import person_with_history

pytestmark = pytest.mark.django_db


def test_sweeps_run_twice_give_one_notice_each_and_one_digest():
    now = timezone.now()
    person, ending, overdue = person_with_history(now)

    first = run_notification_sweeps(now)
    second = run_notification_sweeps(now + timedelta(minutes=5))

    assert first == {"grants_ending": 1, "deletions_overdue": 1, "digests_sent": 1}
    assert second == {"grants_ending": 0, "deletions_overdue": 0, "digests_sent": 0}
    assert sorted(Notice.objects.filter(person=person).values_list("kind", "grant_id")) == sorted([
        ("deletion_overdue", overdue.pk), ("grant_ending", ending.pk), ("reads", None),
    ])
    assert len(mail.outbox) == 1


def test_the_digest_lists_what_was_read_what_ends_and_who_is_late():
    now = timezone.now()
    person, _, _ = person_with_history(now)

    run_notification_sweeps(now)

    message = mail.outbox[0]
    assert message.to == ["ada@example.org"]
    assert "Bakery read your E-mail address (2 times)" in message.body
    assert "Your grant to Bakery ends" in message.body
    assert "Garage has not confirmed deleting your data" in message.body
    assert "contact.email" not in message.body and "ada@example.org" not in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_next_digest_is_due_a_week_later_and_reports_only_what_is_new():
    now = timezone.now()
    person, _, _ = person_with_history(now)
    run_notification_sweeps(now)

    early = send_due_digests(now + timedelta(days=6))
    later = send_due_digests(now + timedelta(days=7, minutes=1))

    assert (early, later) == (0, 1)
    assert "No vendor read anything about you." in mail.outbox[-1].body


def test_a_person_who_turned_the_digest_off_gets_no_mail_but_keeps_the_notices():
    now = timezone.now()
    person, _, _ = person_with_history(now)
    DigestSubscription.objects.create(person=person, email_enabled=False)

    result = run_notification_sweeps(now)

    assert result["digests_sent"] == 0 and mail.outbox == []
    assert Notice.objects.filter(person=person, kind="reads").count() == 1


def test_right_after_leaving_nothing_is_overdue_yet():
    now = timezone.now()
    make_grant(status="revoked", ended_at=now, retention_ends_at=now, deletion_requested_at=now)

    assert run_notification_sweeps(now)["deletions_overdue"] == 0


def test_a_grant_given_a_new_end_date_is_noticed_again_when_that_nears():
    now = timezone.now()
    grant = make_grant(expires_at=now + timedelta(days=2))
    run_notification_sweeps(now)
    grant.expires_at = now + timedelta(days=40)
    grant.save()

    again = run_notification_sweeps(now + timedelta(days=35))["grants_ending"]

    assert again == 1 and Notice.objects.filter(grant=grant, kind="grant_ending").count() == 2
