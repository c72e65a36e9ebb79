"""Vendors, clients, grants and tokens for the OAuth and API tests. Clients are registered through the
registration service, so their secrets are hashed exactly as in production."""

import base64
import hashlib
import secrets
from datetime import timedelta

import factory
from django.utils import timezone

from consents.models import Grant
from vendors.models import AccessToken, RefreshToken, Vendor
from vendors.registration import register_auditor_client, register_client
from vrm.models import User

PASSWORD = "correct horse battery 9"
REDIRECT_URI = "https://shop.example/callback"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"oauth-person{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    role = User.Role.PERSON
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


class VendorUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"oauth-vendor-dev{n}")
    role = User.Role.VENDOR


class AuditorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"oauth-auditor{n}")
    role = User.Role.AUDITOR


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"Outfitter {n}")
    website = "https://shop.example"
    privacy_policy_url = "https://shop.example/privacy"
    contact_email = "privacy@shop.example"
    verified = True


def make_client(vendor=None, redirect_uris=(REDIRECT_URI,), **terms):
    """A registered confidential client; returns (client, plaintext secret)."""
    return register_client(vendor=vendor or VendorFactory(), name="Shop app", redirect_uris=list(redirect_uris), **terms)


def make_auditor_client():
    return register_auditor_client(name="Audit firm")


def make_grant(person=None, client=None, scopes=("contact:read",), requested=None, **fields):
    now = timezone.now()
    values = {
        "person": person or UserFactory(),
        "client": client or make_client()[0],
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


def issue_token(grant, scope=None, expires_in=timedelta(hours=1)):
    """An access token (and its refresh token) under `grant`, as the authorization server issues them.

    Returns the raw access token string.
    """
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
    refresh = RefreshToken(user=grant.person, application=grant.client, access_token=token, consent=grant)
    refresh._raw_token = secrets.token_urlsafe(30)
    refresh.token = ""
    refresh.save()
    return raw


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge
