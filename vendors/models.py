"""Vendor organisations and their OAuth clients.

django-oauth-toolkit's models are swapped into this app from the first
migration (which runs before oauth2_provider's), so that clients belong to a
vendor and tokens belong to a consent grant. DOT's security fields (hashed
client secret, token checksums) are inherited unchanged.
"""

import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from oauth2_provider.models import (
    AbstractAccessToken,
    AbstractApplication,
    AbstractGrant,
    AbstractIDToken,
    AbstractRefreshToken,
    ApplicationManager,
)


class Vendor(models.Model):
    """An organisation that asks persons for access to parts of their vault."""

    name = models.CharField(max_length=200)
    website = models.URLField(blank=True)
    privacy_policy_url = models.URLField(blank=True)
    contact_email = models.EmailField(blank=True)
    logo_url = models.URLField(blank=True)
    # Set by an operator after checking who the vendor is; shown on the consent screen.
    verified = models.BooleanField(default=False)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="vendors", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name


# Loopback hosts whose plain-http redirect URIs are allowed, for development (RFC 8252 section 7.3).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_loopback_http(uri):
    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS


class OAuthClient(AbstractApplication):
    """An OAuth client of a vendor (DOT's Application, swapped).

    The ``default_*`` terms apply when an authorization request does not name
    its own purpose, duration or retention (see README "For vendors").
    """

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="clients", null=True, blank=True)
    default_purpose = models.CharField(max_length=32, default="service_provision")
    default_purpose_text = models.TextField(max_length=1000, blank=True)
    default_duration = models.DurationField(default=timedelta(days=90))
    default_retention = models.DurationField(default=timedelta(days=30))

    objects = ApplicationManager()

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"

    def natural_key(self):
        return (self.client_id,)

    def get_allowed_schemes(self):
        # https everywhere; plain http only for a client that registered loopback URIs (clean() refuses others).
        if any(is_loopback_http(uri) for uri in self.redirect_uris.split()):
            return ["https", "http"]
        return ["https"]

    def clean(self):
        errors = {}
        try:
            super().clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        plain_http = [
            ValidationError(
                "%(uri)s: use https; plain http is allowed only for 127.0.0.1 or localhost.", params={"uri": uri}
            )
            for uri in self.redirect_uris.split()
            if urlsplit(uri).scheme == "http" and not is_loopback_http(uri)
        ]
        if plain_http:
            errors.setdefault("redirect_uris", []).extend(plain_http)
        if errors:
            raise ValidationError(errors)


class AuthorizationCode(AbstractGrant):
    """An OAuth authorization code (DOT's Grant, swapped; not to be confused with a consent grant).

    A code is marked used rather than deleted when exchanged, and remembers the
    refresh-token family it produced, so that a replayed code can revoke those
    tokens (RFC 9700 section 4.2.4; see vendors/oauth.py).
    """

    consent = models.ForeignKey(
        "consents.Grant", on_delete=models.CASCADE, related_name="authorization_codes", null=True, blank=True
    )
    used_at = models.DateTimeField(null=True, blank=True)
    token_family = models.UUIDField(null=True, blank=True, editable=False)

    class Meta(AbstractGrant.Meta):
        swappable = "OAUTH2_PROVIDER_GRANT_MODEL"


class AccessToken(AbstractAccessToken):
    """An access token, tied to the consent grant it was issued under; it never outlives it."""

    consent = models.ForeignKey(
        "consents.Grant", on_delete=models.CASCADE, related_name="access_tokens", null=True, blank=True
    )

    class Meta(AbstractAccessToken.Meta):
        swappable = "OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL"


class RefreshToken(AbstractRefreshToken):
    consent = models.ForeignKey(
        "consents.Grant", on_delete=models.CASCADE, related_name="refresh_tokens", null=True, blank=True
    )

    class Meta(AbstractRefreshToken.Meta):
        swappable = "OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL"


class IDToken(AbstractIDToken):
    class Meta(AbstractIDToken.Meta):
        swappable = "OAUTH2_PROVIDER_ID_TOKEN_MODEL"


class WebhookEndpoint(models.Model):
    """Where a client wants grant events delivered. The signing secret is never stored: it is derived
    from the server's key and the client id (vendors.webhooks.signing_secret) and shown to the vendor once."""

    client = models.OneToOneField(OAuthClient, on_delete=models.CASCADE, related_name="webhook_endpoint")
    url = models.URLField(max_length=500)
    # Bumped to rotate the derived secret.
    secret_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"webhook endpoint of {self.client_id}: {self.url}"


class WebhookDelivery(models.Model):
    """One event to deliver to a client's endpoint (an outbox row, written in the grant's transaction)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (gave up)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE, related_name="webhook_deliveries")
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["client", "-created_at"], name="webhook_client_recent"),
            models.Index(fields=["status", "next_attempt_at"], name="webhook_retry_sweep"),
        ]

    def __str__(self):
        return f"{self.event} to {self.client_id} ({self.status})"
