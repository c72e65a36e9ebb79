"""Who may call the auditor API: auditor client tokens (a vendor's receipts pass vendors.api.permissions.GrantPermission)."""

from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission

from vendors.models import AccessToken

AUDIT_SCOPE = "audit:read"


def _token(request):
    token = request.auth
    if token is None:
        raise NotAuthenticated(getattr(request, "oauth2_error", {}).get("error_description"))
    if not isinstance(token, AccessToken):
        raise PermissionDenied("An OAuth access token is required.")
    return token


class AuditorToken(BasePermission):
    """A client-credentials token with the audit:read scope, of a client that belongs to an active auditor."""

    def has_permission(self, request, view):
        token = _token(request)
        owner = token.application.user if token.application_id else None
        if token.consent_id is not None or not token.allow_scopes([AUDIT_SCOPE]):
            raise PermissionDenied("This endpoint needs an auditor's token with the audit:read scope.")
        if owner is None or not owner.is_active or not owner.is_auditor:
            raise PermissionDenied("This client does not belong to an auditor.")
        return True

