"""Rows for every test: people in each role, vendors, clients, grants and tokens.

Clients made with make_client go through the registration service, so their secrets are hashed as in
production; OAuthClientFactory writes a client row directly where no secret is needed. The personas of
tests/conftest.py are built from these; factories make the variations.
"""

import base64
import hashlib
import secrets
from datetime import timedelta
from functools import lru_cache

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from consents.models import Grant
from vendors.models import AccessToken, OAuthClient, RefreshToken, Vendor
from vendors.registration import register_auditor_client, register_client
from vrm.models import User

PASSWORD = "correct horse battery 9"
REDIRECT_URI = "https://shop.example/callback"


@lru_cache(maxsize=1)
def hashed_password():
    """PASSWORD hashed once per session: Argon2 is slow on purpose, and every persona shares it."""
    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    """A person (the default role), who logs in with PASSWORD."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    role = User.Role.PERSON
    password = factory.LazyFunction(hashed_password)


PersonFactory = UserFactory


class VendorUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"vendor-dev{n}")
    role = User.Role.VENDOR


class AuditorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"auditor{n}")
    role = User.Role.AUDITOR


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"Outfitter {n}")
    website = "https://shop.example"
    privacy_policy_url = "https://shop.example/privacy"
    contact_email = "privacy@shop.example"
    verified = True


class OAuthClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OAuthClient

    name = factory.Sequence(lambda n: f"Shop app {n}")
    vendor = factory.SubFactory(VendorFactory)
    client_type = OAuthClient.CLIENT_CONFIDENTIAL
    authorization_grant_type = OAuthClient.GRANT_AUTHORIZATION_CODE
    redirect_uris = REDIRECT_URI


class GrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grant

    person = factory.SubFactory(UserFactory)
    client = factory.SubFactory(OAuthClientFactory)
    requested_scopes = ["contact:read", "address:read"]
    scopes = ["contact:read"]
    purpose = Grant.Purpose.DELIVERY
    purpose_text = "To deliver your parcels"
    starts_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda grant: grant.starts_at + timedelta(days=90))
    retention = timedelta(days=30)


def make_client(vendor=None, redirect_uris=(REDIRECT_URI,), **terms):
    """A registered confidential client; returns (client, plaintext secret)."""
    return register_client(vendor=vendor or VendorFactory(), name="Shop app", redirect_uris=list(redirect_uris), **terms)


def make_auditor_client():
    return register_auditor_client(name="Audit firm")


def make_grant(person=None, client=None, scopes=("contact:read",), requested=None, vendor_name=None, **fields):
    """A grant written directly (no OAuth dance), to a new registered client unless one is given;
    `vendor_name` names that client's vendor."""
    now = timezone.now()
    if client is None:
        client = make_client(vendor=VendorFactory(name=vendor_name) if vendor_name else None)[0]
    values = {
        "person": person or UserFactory(),
        "client": client,
        "requested_scopes": list(requested or scopes),
        "scopes": list(scopes),
        "purpose": Grant.Purpose.DELIVERY,
        "purpose_text": "To deliver your parcels",
        "starts_at": now - timedelta(minutes=1),
        "expires_at": now + timedelta(days=90),
        "retention": timedelta(days=30),
    }
    values.update(fields)
    return Grant.objects.create(**values)


def issue_token(grant, scope=None, expires_in=timedelta(hours=1), refresh=True):
    """An access token (and, unless refresh=False, its refresh token) under `grant`, stored as the
    authorization server stores them (checksums only). Returns the raw access token string."""
    raw = secrets.token_urlsafe(30)
    token = AccessToken(
        user=grant.person,
        application=grant.client,
        scope=" ".join(scope if scope is not None else grant.scopes),
        expires=min(timezone.now() + expires_in, grant.expires_at),
        consent=grant,
    )
    token._raw_token = raw
    token.token = ""
    token.save()
    if refresh:
        refresh_token = RefreshToken(user=grant.person, application=grant.client, access_token=token, consent=grant)
        refresh_token._raw_token = secrets.token_urlsafe(30)
        refresh_token.token = ""
        refresh_token.save()
    return raw


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def chain_audit_log():
    """What the audit sequencer does in production: chain the pending vendor accesses now; returns how many."""
    from audit.log import chain_pending

    return chain_pending()
