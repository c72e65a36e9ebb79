"""The one permission class of the vendor API: every endpoint under a grant passes vendors.access.authorize."""

import re
import uuid

from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission

from vendors import access

PLAIN_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id(request):
    """The caller's X-Request-ID when it is a plain token, else a fresh one (for correlating audit entries)."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if PLAIN_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


class GrantPermission(BasePermission):
    """Allows a request only under an active grant that covers the view's scopes.

    A view declares ``required_scopes`` (all needed, or any one with ``scope_match = "any"``) and
    ``audit_action`` ("read" or "write"). On success the request carries ``access`` (vendors.access.GrantAccess)
    and ``grant``; a refusal is a domain error that the API renders as problem details.
    """

    def has_permission(self, request, view):
        if request.auth is None:
            raise NotAuthenticated(getattr(request, "oauth2_error", {}).get("error_description"))
        request.access = access.authorize(
            request.auth,
            scopes=getattr(view, "required_scopes", ()),
            any_scope=getattr(view, "scope_match", "all") == "any",
            action=getattr(view, "audit_action", "read"),
            request_id=request_id(request),
        )
        request.grant = request.access.grant
        return True
