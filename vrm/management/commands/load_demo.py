"""Load the demo: a person, an auditor, a vendor developer and a living world around them. Prints credentials.

The world: five vendors (one not verified), the person's grants to them in every state (active, one ending
within the week, paused, revoked after leaving with a deletion confirmation pending, expired with the
vendor overdue on confirming deletion), a few weeks of reads spread over time, receipts for every grant
event, and the notices those produce. Everything goes through the services, dated in the past.

Safe to run again: the accounts are kept and given fresh passwords; the history is made once.
"""

import json
import random
import secrets
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from audit import log as audit_log
from consents import expiry, retention
from consents.grants import create_grant, leave_vendor, pause_grant
from consents.models import Grant
from notifications.sweeps import notice_grants_ending, notice_overdue_deletions
from vendors.models import Vendor
from vendors.registration import register_client, register_vendor, rotate_client_secret
from vrm import vault
from vrm.models import User

DEMO_USERS = [
    ("demo-person", User.Role.PERSON, "person@demo.invalid"),
    ("demo-vendor", User.Role.VENDOR, "developer@outfitters.demo.invalid"),
    ("demo-auditor", User.Role.AUDITOR, "auditor@demo.invalid"),
]


# A few values for the demo person's (encrypted) profile, so the portal and the consent preview show something.
DEMO_PROFILE = {
    "identity": {"given_name": "Dana", "family_name": "Demo"},
    "contact": {"email": "person@demo.invalid", "phone": "+44 20 7946 0958"},
    "address": {"street": "1 Example Street", "postal_code": "EX1 1AA", "city": "London", "country": "GB"},
    "preferences": {"language": "English", "contact_channel": "E-mail"},
}


DEMO_VENDOR = "Outfitters (demo)"
DEMO_REDIRECT_URI = "http://127.0.0.1:8765/callback"


def demo_oauth_client(developer):
    """The demo vendor organisation and its OAuth client; the client gets a fresh secret on every run."""
    vendor = Vendor.objects.filter(name=DEMO_VENDOR).first() or register_vendor(
        name=DEMO_VENDOR, website="https://outfitters.demo.invalid", member=developer, verified=True
    )
    client = vendor.clients.first()
    if client is None:
        client, secret = register_client(
            vendor=vendor, name="Outfitters shop (demo)", redirect_uris=[DEMO_REDIRECT_URI],
            default_purpose="delivery", default_purpose_text="To deliver what you order",
        )
    else:
        secret = rotate_client_secret(client)
    return {"client_id": client.client_id, "client_secret": secret, "redirect_uri": DEMO_REDIRECT_URI}


# name, verified, purpose, scopes, what it reads, when the grant starts and how long it runs (days ago, days).
DEMO_WORLD = [
    ("Corner Bakery (demo)", True, "delivery", ["contact:read", "address:read"],
     ["contact.email", "address.street", "address.city"], 25, 180),
    ("Daily News (demo)", True, "personalisation", ["identity:read", "preferences:read"],
     ["identity.given_name", "preferences.language"], 20, 365),
    ("Gym Club (demo)", True, "account_management", ["identity:read", "contact:read"],
     ["identity.given_name", "contact.phone"], 45, 14),
    ("Travel Deals (demo)", False, "marketing", ["contact:read"], ["contact.email"], 23, 28),
]
OUTFITTERS_GRANT = (["contact:read", "address:read", "preferences:read"],
                    ["contact.email", "address.postal_code", "address.city", "preferences.contact_channel"], 28, 90)


def demo_vendor(name, verified, developer):
    vendor = Vendor.objects.filter(name=name).first()
    if vendor is None:
        slug = name.split(" (")[0].lower().replace(" ", "")
        vendor = register_vendor(name=name, website=f"https://{slug}.demo.invalid", member=developer,
                                 verified=verified, contact_email=f"privacy@{slug}.demo.invalid")
    return vendor.clients.first() or register_client(
        vendor=vendor, name=f"{vendor.name.split(' (')[0]} app", redirect_uris=[f"https://{vendor.website[8:]}/callback"],
    )[0]


def build_history(person, developer, outfitters_client, now):
    """The person's grants and the reads under them, in time order, through the services (each dated)."""
    rng = random.Random(7012)  # the same world on every machine
    steps = []  # (when, what)
    grants = {}

    def grant_step(name, client, scopes, purpose, starts_days_ago, duration_days, retention_days):
        def give(at):
            grants[name] = create_grant(
                person=person, client=client, requested_scopes=scopes, scopes=scopes, purpose=purpose,
                purpose_text="", duration=timedelta(days=duration_days), retention=timedelta(days=retention_days),
                now=at,
            )
        steps.append((now - timedelta(days=starts_days_ago), give))

    def read_steps(name, fields, first_days_ago, last_days_ago):
        day = first_days_ago - rng.uniform(0.2, 1.5)
        while day > last_days_ago:
            picked = sorted(rng.sample(fields, k=rng.randint(1, len(fields))))
            steps.append((now - timedelta(days=day), lambda at, n=name, f=picked: audit_log.record_access(
                grants[n], action="read", fields=f, outcome="ok", request_id=f"demo-{rng.randrange(16**8):08x}",
                now=at)))
            day -= rng.uniform(0.7, 3.5)

    scopes, fields, starts, duration = OUTFITTERS_GRANT
    grant_step("outfitters", outfitters_client, scopes, "delivery", starts, duration, 30)
    read_steps("outfitters", fields, starts, 0.05)
    for name, verified, purpose, scopes, fields, starts, duration in DEMO_WORLD:
        client = demo_vendor(name, verified, developer)
        grant_step(name, client, scopes, purpose, starts, duration, 1 if "Gym" in name else 30)
        ends = {"Corner Bakery (demo)": 8, "Daily News (demo)": 3, "Gym Club (demo)": starts - duration}.get(name, 0.1)
        read_steps(name, fields, starts, ends)
    steps += [
        # The gym's grant runs out; a day later its data life ends and it is asked to delete; it never confirms.
        (now - timedelta(days=30.9), lambda at: expiry.expire_due_grants(now=at)),
        (now - timedelta(days=29.8), lambda at: retention.request_due_deletions(now=at)),
        (now - timedelta(days=15), lambda at: retention.mark_overdue_deletions(now=at)),
        (now - timedelta(days=8), lambda at: pause_grant(
            grants["Corner Bakery (demo)"], actor=person, reason="on holiday", now=at)),
        (now - timedelta(days=3), lambda at: leave_vendor(
            person, grants["Daily News (demo)"].client.vendor, actor=person, now=at)),
    ]
    for at, step in sorted(steps, key=lambda item: item[0]):
        step(at)
    audit_log.chain_pending()
    notice_grants_ending(now)
    notice_overdue_deletions(now)


def fill_demo_profile(person):
    for category, values in DEMO_PROFILE.items():
        vault.update_profile(person, category=category, values=values)


class Command(BaseCommand):
    help = "Create (or refresh) the demo person, vendor and auditor and print their credentials."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the credentials as JSON")

    @transaction.atomic
    def handle(self, *args, **options):
        credentials, users = {}, {}
        for username, role, email in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username, defaults={"role": role, "email": email})
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
            credentials[role] = {"username": username, "password": password}
            users[role] = user
            if role == User.Role.PERSON:
                fill_demo_profile(user)
            if role == User.Role.VENDOR:
                oauth_client = demo_oauth_client(user)
        person = users[User.Role.PERSON]
        if not Grant.objects.filter(person=person).exists():
            outfitters = Vendor.objects.get(name=DEMO_VENDOR).clients.first()
            build_history(person, users[User.Role.VENDOR], outfitters, timezone.now())
        if options["json"]:
            self.stdout.write(json.dumps({**credentials, "oauth_client": oauth_client}, indent=2))
            return
        self.stdout.write("Demo accounts (passwords are new on every run):")
        for role, creds in credentials.items():
            self.stdout.write(f"  {role:8} username {creds['username']:14} password {creds['password']}")
        self.stdout.write(f"Demo vendor OAuth client ({DEMO_VENDOR}; the secret is new on every run):")
        for key, value in oauth_client.items():
            self.stdout.write(f"  {key:14} {value}")
        self.stdout.write("Portal: http://127.0.0.1:8000/")
