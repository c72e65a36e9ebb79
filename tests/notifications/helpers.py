from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from audit.log import record_access
from tests.factories import UserFactory, VendorFactory, make_client, make_grant


def person_with_history(now=None):
    """A person with a grant ending in three days (Bakery, which read their e-mail twice) and a grant whose
    vendor (Garage) is overdue on a deletion confirmation."""
    now = now or timezone.now()
    person = UserFactory(email="ada@example.org")
    bakery, _ = make_client(vendor=VendorFactory(name="Bakery", website="https://bakery.example"))
    garage, _ = make_client(vendor=VendorFactory(name="Garage"))
    ending = make_grant(person=person, client=bakery, expires_at=now + timedelta(days=3))
    overdue = make_grant(
        person=person, client=garage, status="revoked", starts_at=now - timedelta(days=60),
        expires_at=now + timedelta(days=30), ended_at=now - timedelta(days=40),
        retention_ends_at=now - timedelta(days=20), deletion_requested_at=now - timedelta(days=20),
    )
    with transaction.atomic():
        for minutes in (30, 20):
            record_access(ending, action="read", fields=["contact.email"], outcome="ok",
                          now=now - timedelta(minutes=minutes))
    return person, ending, overdue
