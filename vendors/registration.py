"""Services for registering vendor organisations and their OAuth clients.

A client's secret is returned once, at registration (or rotation); only its hash
is stored (django-oauth-toolkit's ClientSecretField).
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from oauth2_provider.generators import generate_client_secret

from consents.exceptions import InvalidTerms
from consents.terms import validate_terms
from vendors.models import OAuthClient, Vendor


def register_vendor(
    *, name, website="", privacy_policy_url="", contact_email="", logo_url="", member=None, verified=False
):
    """Create a vendor organisation (unverified unless an operator says so), with `member` as its first member.

    Raises ValidationError with per-field messages.
    """
    vendor = Vendor(
        name=(name or "").strip(),
        website=website,
        privacy_policy_url=privacy_policy_url,
        contact_email=contact_email,
        logo_url=logo_url,
        verified=verified,
    )
    vendor.full_clean()
    with transaction.atomic():
        vendor.save()
        if member is not None:
            vendor.members.add(member)
    return vendor


def register_client(
    *,
    vendor,
    name,
    redirect_uris,
    default_purpose="service_provision",
    default_purpose_text="",
    default_duration=timedelta(days=90),
    default_retention=timedelta(days=30),
):
    """Register a confidential authorization-code client for `vendor`; returns (client, plaintext secret).

    Redirect URIs must be https, or http on a loopback host; they are matched exactly.
    Raises ValidationError with per-field messages.
    """
    try:
        terms = validate_terms(
            purpose=default_purpose,
            purpose_text=default_purpose_text,
            duration=default_duration,
            retention=default_retention,
        )
    except InvalidTerms as error:
        raise ValidationError({"__all__": [error.message]}) from None
    uris = list(redirect_uris) if not isinstance(redirect_uris, str) else redirect_uris.split()
    if not uris:
        raise ValidationError({"redirect_uris": ["Give at least one redirect URI."]})
    secret = generate_client_secret()
    client = OAuthClient(
        vendor=vendor,
        name=(name or "").strip() or vendor.name,
        redirect_uris=" ".join(uris),
        client_type=OAuthClient.CLIENT_CONFIDENTIAL,
        authorization_grant_type=OAuthClient.GRANT_AUTHORIZATION_CODE,
        client_secret=secret,
        hash_client_secret=True,
        skip_authorization=False,
        default_purpose=terms.purpose,
        default_purpose_text=terms.purpose_text,
        default_duration=terms.duration,
        default_retention=terms.retention,
    )
    client.full_clean(exclude=["client_secret"])
    client.save()
    return client, secret


def register_auditor_client(*, name):
    """Register a confidential client-credentials client that may only get the audit:read scope.

    Returns (client, plaintext secret).
    """
    secret = generate_client_secret()
    client = OAuthClient(
        name=name,
        client_type=OAuthClient.CLIENT_CONFIDENTIAL,
        authorization_grant_type=OAuthClient.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
    )
    client.full_clean(exclude=["client_secret"])
    client.save()
    return client, secret


def rotate_client_secret(client):
    """Give a client a new secret (the old one stops working at once); returns the new plaintext secret."""
    secret = generate_client_secret()
    client.client_secret = secret
    client.save(update_fields=["client_secret", "updated"])
    return secret
