"""A person's world for the portal walk-through: a profile, grants in every state and a month of reads,
written through the same services the product uses (so receipts and the audit log are real)."""

from datetime import timedelta

from django.utils import timezone

from audit import log as audit_log
from consents import grants as services
from consents.models import Grant
from tests.factories import VendorFactory, make_client
from vrm import vault


def fill_profile(person):
    vault.update_profile(person, category="identity", values={"given_name": "Ada", "family_name": "Lovelace", "birth_date": "1985-12-10"})
    vault.update_profile(person, category="contact", values={"email": "ada@example.org", "phone": "+44 20 7946 0958"})
    vault.update_profile(person, category="address", values={"street": "12 Analytical Row", "city": "London", "postal_code": "N1 9GU", "country": "GB"})


def grant_to(person, vendor_name, scopes, *, verified=True, purpose=Grant.Purpose.DELIVERY, days=90, now=None):
    client = make_client(vendor=VendorFactory(name=vendor_name, verified=verified))[0]
    return services.create_grant(
        person=person, client=client, requested_scopes=list(scopes), scopes=list(scopes), purpose=purpose,
        purpose_text="So that your parcels reach you", duration=timedelta(days=days), retention=timedelta(days=30),
        now=now,
    )


def build_world(person):
    """Three vendors: Outfitters (active, a month of reads), Grocer (unverified, paused), Old Books (revoked).
    Returns {name: grant}."""
    now = timezone.now()
    fill_profile(person)
    outfitters = grant_to(person, "Outfitters", ("contact:read", "address:read"), now=now - timedelta(days=40))
    for day in range(0, 30, 3):
        audit_log.record_access(outfitters, action="read", fields=["contact.email", "address.city"], outcome="ok",
                                now=now - timedelta(days=day, hours=2))
    audit_log.record_access(outfitters, action="read", fields=["contact.phone"], outcome="refused", now=now - timedelta(hours=1))
    grocer = grant_to(person, "Grocer", ("identity:read", "preferences:read"), verified=False, purpose=Grant.Purpose.PERSONALISATION)
    grocer = services.pause_grant(grocer, actor=person, reason="On holiday")
    old_books = grant_to(person, "Old Books", ("contact:read",), now=now - timedelta(days=10))
    audit_log.record_access(old_books, action="read", fields=["contact.email"], outcome="ok", now=now - timedelta(days=9))
    old_books = services.revoke_grant(old_books, actor=person, reason="")
    return {"Outfitters": outfitters, "Grocer": grocer, "Old Books": old_books}
