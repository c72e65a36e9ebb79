"""Rows for audit tests: persons, vendors with a client, auditors, and grants made directly with the ORM."""

import secrets
from datetime import timedelta
from functools import lru_cache

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from consents.models import Grant
from vendors.models import AccessToken, OAuthClient, Vendor
from vrm.models import User

PASSWORD = "correct horse battery 9"


@lru_cache(maxsize=1)
def hashed_password():
    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"audit-person{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    role = User.Role.PERSON
    # Hashed once per session: Argon2 is slow on purpose, and every persona shares the password.
    password = factory.LazyFunction(lambda: hashed_password())


class AuditorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"auditor{n}")
    role = User.Role.AUDITOR


class VendorUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"vendor-dev{n}")
    role = User.Role.VENDOR


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"Shop {n}")
    website = "https://shop.example"
    contact_email = "privacy@shop.example"
    verified = True


class OAuthClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OAuthClient

    name = factory.Sequence(lambda n: f"Shop app {n}")
    vendor = factory.SubFactory(VendorFactory)
    client_type = OAuthClient.CLIENT_CONFIDENTIAL
    authorization_grant_type = OAuthClient.GRANT_AUTHORIZATION_CODE
    redirect_uris = "https://shop.example/callback"


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


def issue_grant_token(grant, scope=None):
    """A raw access token under the grant, stored as the authorization server stores it (checksum only)."""
    raw = secrets.token_urlsafe(30)
    token = AccessToken(
        user=grant.person, application=grant.client, scope=" ".join(scope if scope is not None else grant.scopes),
        expires=min(timezone.now() + timedelta(hours=1), grant.expires_at), consent=grant,
    )
    token._raw_token = raw
    token.token = ""
    token.save()
    return raw
