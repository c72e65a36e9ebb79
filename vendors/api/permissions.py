"""The one permission class of the vendor API: token, grant and scope, checked at request time."""

import re
import uuid

from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission

from audit import log as audit_log
from consents.exceptions import GrantError
from consents.grants import check_access, count_read
from vendors.models import AccessToken


PLAIN_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id(request):
    """The caller's X-Request-ID when it is a plain token, else a fresh one (for correlating audit entries)."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if PLAIN_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


class GrantPermission(BasePermission):
    """Allows a request only under an active grant that covers the view's scopes.

    A view declares ``required_scopes`` (all needed, or any one with
    ``scope_match = "any"``) and ``audit_action`` ("read" or "write"). On success
    the request carries ``grant``, ``usable_scopes`` and ``request_id``; a
    refusal under a known grant is recorded in the audit log, then raised as a
    domain error that the API renders as problem details.
    """

    def has_permission(self, request, view):
        token = request.auth
        if token is None:
            raise NotAuthenticated(getattr(request, "oauth2_error", {}).get("error_description"))
        if not isinstance(token, AccessToken) or token.consent is None:
            raise PermissionDenied("This token was not issued under a person's grant.")
        grant = token.consent
        request.request_id = request_id(request)
        try:
            request.usable_scopes = check_access(
                grant,
                scopes=view.required_scopes,
                any_scope=getattr(view, "scope_match", "all") == "any",
                within=token.scope.split(),
            )
            if view.audit_action == "read":
                count_read(grant)
        except GrantError as error:
            audit_log.record_access(
                grant,
                action=view.audit_action,
                fields=[],
                outcome="refused",
                request_id=request.request_id,
                reason=error.message,
            )
            raise
        request.grant = grant
        return True
