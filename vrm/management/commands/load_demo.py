"""Load the demo: one person, one vendor with an OAuth client, one auditor. Prints their credentials.

Safe to run again: the accounts are kept and given fresh passwords.
"""

import json
import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

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


def fill_demo_profile(person):
    for category, values in DEMO_PROFILE.items():
        vault.update_profile(person, category=category, values=values)


class Command(BaseCommand):
    help = "Create (or refresh) the demo person, vendor and auditor and print their credentials."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the credentials as JSON")

    @transaction.atomic
    def handle(self, *args, **options):
        credentials = {}
        for username, role, email in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username, defaults={"role": role, "email": email})
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
            credentials[role] = {"username": username, "password": password}
            if role == User.Role.PERSON:
                fill_demo_profile(user)
            if role == User.Role.VENDOR:
                oauth_client = demo_oauth_client(user)
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
