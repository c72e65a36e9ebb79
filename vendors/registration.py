"""Services for registering vendor organisations and their OAuth clients.

A client's secret is returned once, at registration (or rotation); only its hash
is stored (django-oauth-toolkit's ClientSecretField).
"""

from datetime import timedelta
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret

from consents.exceptions import InvalidTerms
from consents.grants import revoke_grant
from consents.models import Grant
from consents.terms import validate_terms
from vendors.models import OAuthClient, Vendor, is_loopback_http


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
    uris = check_redirect_uris(redirect_uris)
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


def redirect_uri_problem(uri):
    """What is wrong with one redirect URI, in words a developer acts on; None when it is fine.

    Stricter than django-oauth-toolkit's own check, so its terse messages never reach the portal.
    """
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - parsing the port raises on a bad one
    except ValueError:
        return f"{uri} is not a valid address."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{uri} is not a full web address: write it as https://your.domain/path."
    if parts.fragment or "#" in uri:
        return f"{uri} has a #fragment, which redirect URIs may not have."
    if "*" in uri:
        return f"{uri} has a wildcard: register every redirect URI exactly."
    if parts.scheme == "http" and not is_loopback_http(uri):
        return f"{uri}: use https; plain http is allowed only for 127.0.0.1 or localhost."
    return None


def check_redirect_uris(redirect_uris):
    """The list of redirect URIs (a list, or whitespace-separated text), each checked; raises ValidationError."""
    uris = list(redirect_uris) if not isinstance(redirect_uris, str) else redirect_uris.split()
    if not uris:
        raise ValidationError({"redirect_uris": ["Give at least one redirect URI."]})
    problems = [problem for problem in map(redirect_uri_problem, uris) if problem]
    if problems:
        raise ValidationError({"redirect_uris": problems})
    return list(dict.fromkeys(uris))


def live_clients_of(vendor):
    """The vendor's clients that have not been deleted (a deleted client with grant history keeps its row
    for the audit trail and for confirming deletions, with no redirect URI left to authorize against)."""
    return vendor.clients.exclude(redirect_uris="").order_by("name", "pk")


def update_client(client, *, name, redirect_uris):
    """Rename a client and replace its redirect URIs (matched exactly). Raises ValidationError."""
    uris = check_redirect_uris(redirect_uris)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["Give the client a name."]})
    client.name = name
    client.redirect_uris = " ".join(uris)
    client.full_clean(exclude=["client_secret"])
    client.save(update_fields=["name", "redirect_uris", "updated"])
    return client


def delete_client(client, *, actor, now=None):
    """Delete a client: every live grant it holds is revoked (audited, with its webhook) and its tokens end.

    A client that never had a grant is removed. One with grants keeps its row, so the audit trail and
    persons' receipts still name it and the vendor can still confirm deletions with its secret; its
    redirect URIs are cleared, so no one can authorize it again. Returns the number of grants revoked.
    """
    now = now or timezone.now()
    with transaction.atomic():
        client = OAuthClient.objects.select_for_update().get(pk=client.pk)
        live = list(Grant.objects.filter(client=client, status__in=Grant.LIVE_STATUSES).order_by("pk"))
        for grant in live:
            revoke_grant(grant, actor=actor, reason="the vendor deleted this client", now=now)
        if not Grant.objects.filter(client=client).exists():
            client.delete()
            return 0
        client.redirect_uris = ""
        client.save(update_fields=["redirect_uris", "updated"])
    return len(live)


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
    client.hash_client_secret = True
    client.save(update_fields=["client_secret", "hash_client_secret", "updated"])
    return secret
