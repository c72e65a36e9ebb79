from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from audit import selectors
from audit.log import record_access, record_grant_event
from tests.factories import GrantFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_history_for_person_holds_only_their_entries_filtered_by_client_and_time():
    person = UserFactory()
    shop, bakery = GrantFactory(person=person), GrantFactory(person=person)
    stranger = GrantFactory()
    now = timezone.now()
    with transaction.atomic():
        record_access(shop, action="read", fields=["email"], outcome="ok", request_id="old", now=now - timedelta(days=9))
        record_access(shop, action="read", fields=["email"], outcome="ok", request_id="new", now=now)
        record_access(bakery, action="read", fields=["email"], outcome="ok", request_id="bakery", now=now)
        record_access(stranger, action="read", fields=["email"], outcome="ok", request_id="stranger", now=now)

    everything = selectors.history_for_person(person)
    recent_shop = selectors.history_for_person(person, client=shop.client, since=now - timedelta(days=1))

    assert [e.request_id for e in everything] == ["bakery", "new", "old"]
    assert [e.request_id for e in recent_shop] == ["new"]


def test_access_stats_count_accesses_per_grant_in_one_query(django_assert_num_queries):
    read_twice, never_read = GrantFactory(), GrantFactory()
    now = timezone.now()
    with transaction.atomic():
        record_grant_event(read_twice, "created")
        record_access(read_twice, action="read", fields=["email"], outcome="ok", now=now - timedelta(hours=1))
        record_access(read_twice, action="write", fields=["purchases"], outcome="refused", now=now)

    with django_assert_num_queries(1):
        stats = selectors.access_stats_for_grants([read_twice.pk, never_read.pk])

    assert stats == {read_twice.pk: (2, now)}


def test_receipts_for_grant_newest_first():
    grant = GrantFactory()
    with transaction.atomic():
        record_grant_event(grant, "created")
        record_grant_event(grant, "paused")

    assert [r.event for r in selectors.receipts_for_grant(grant)] == ["paused", "created"]
