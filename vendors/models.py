"""Vendor organisations and their OAuth clients.

django-oauth-toolkit's models are swapped into this app from the first
migration (which runs before oauth2_provider's), so that clients belong to a
vendor and tokens belong to a consent grant. DOT's security fields (hashed
client secret, token checksums) are inherited unchanged.
"""

from django.conf import settings
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


class OAuthClient(AbstractApplication):
    """An OAuth client of a vendor (DOT's Application, swapped)."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="clients", null=True, blank=True)

    objects = ApplicationManager()

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"

    def natural_key(self):
        return (self.client_id,)


class AuthorizationCode(AbstractGrant):
    """An OAuth authorization code (DOT's Grant, swapped; not to be confused with a consent grant)."""

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
