"""One exception handler for the API: every refusal is an RFC 7807 problem details body."""

import logging
from datetime import datetime, time, timedelta, timezone as dt_timezone

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DatabaseError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from consents.exceptions import (
    GrantError,
    GrantExpired,
    GrantPaused,
    GrantRevoked,
    InvalidTerms,
    RateLimited,
    ScopeNotGranted,
)

PROBLEM_CONTENT_TYPE = "application/problem+json"
logger = logging.getLogger(__name__)

# Domain error -> (HTTP status, problem type slug, title). Checked in order, most specific first.
DOMAIN_PROBLEMS = [
    (GrantRevoked, status.HTTP_403_FORBIDDEN, "grant-revoked", "Grant revoked"),
    (GrantExpired, status.HTTP_403_FORBIDDEN, "grant-expired", "Grant expired"),
    (GrantPaused, status.HTTP_403_FORBIDDEN, "grant-paused", "Grant paused"),
    (ScopeNotGranted, status.HTTP_403_FORBIDDEN, "scope-not-granted", "Scope not granted"),
    (RateLimited, status.HTTP_429_TOO_MANY_REQUESTS, "rate-limited", "Daily read limit reached"),
    (InvalidTerms, status.HTTP_400_BAD_REQUEST, "invalid-terms", "Invalid terms"),
    (GrantError, status.HTTP_403_FORBIDDEN, "grant-not-active", "Grant not active"),
]

API_PROBLEMS = {
    exceptions.NotAuthenticated: ("not-authenticated", "Not authenticated"),
    exceptions.AuthenticationFailed: ("not-authenticated", "Not authenticated"),
    exceptions.PermissionDenied: ("forbidden", "Forbidden"),
    exceptions.NotFound: ("not-found", "Not found"),
    exceptions.ValidationError: ("invalid-request", "Invalid request"),
    exceptions.ParseError: ("invalid-request", "Malformed request body"),
    exceptions.MethodNotAllowed: ("method-not-allowed", "Method not allowed"),
    exceptions.UnsupportedMediaType: ("unsupported-media-type", "Unsupported media type"),
    exceptions.NotAcceptable: ("not-acceptable", "Not acceptable"),
    exceptions.Throttled: ("throttled", "Too many requests"),
}


# The database is unreachable: the request's transaction was rolled back, so the caller may simply retry.
SERVICE_UNAVAILABLE = {
    "status_code": status.HTTP_503_SERVICE_UNAVAILABLE,
    "slug": "service-unavailable",
    "title": "Service unavailable",
    "detail": "Nothing was changed; try again shortly.",
}
UNAVAILABLE_HEADERS = {"Retry-After": "5"}


def problem_body(request, *, status_code, slug, title, detail, **extra):
    """The RFC 7807 body, for DRF responses and for plain Django ones (outside the API's views)."""
    return {
        "type": f"urn:vrm:problem:{slug}",
        "title": title,
        "status": status_code,
        "detail": detail,
        "instance": request.path if request is not None else "",
        **extra,
    }


def problem(request, *, status_code, slug, title, detail, headers=None, **extra):
    body = problem_body(request, status_code=status_code, slug=slug, title=title, detail=detail, **extra)
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def domain_headers(exc, view, now=None):
    """The standard signals beside the problem body: RFC 6750's insufficient_scope challenge, and
    Retry-After (seconds to the next UTC midnight) when the daily read limit is reached."""
    if isinstance(exc, ScopeNotGranted):
        scopes = " ".join(getattr(view, "required_scopes", ()))
        return {"WWW-Authenticate": f'Bearer realm="vrm", error="insufficient_scope", scope="{scopes}"'}
    if isinstance(exc, RateLimited):
        now = now or datetime.now(dt_timezone.utc)
        midnight = datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=dt_timezone.utc)
        return {"Retry-After": str(max(1, int((midnight - now).total_seconds())))}
    return None


def problem_details_handler(exc, context):
    request = context.get("request")
    for error_class, status_code, slug, title in DOMAIN_PROBLEMS:
        if isinstance(exc, error_class):
            return problem(
                request, status_code=status_code, slug=slug, title=title, detail=exc.message,
                headers=domain_headers(exc, context.get("view")),
            )
    if isinstance(exc, DatabaseError):
        logger.exception("Database error during an API request")
        return problem(request, **SERVICE_UNAVAILABLE, headers=UNAVAILABLE_HEADERS)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    slug, title = next(
        (value for error_class, value in API_PROBLEMS.items() if isinstance(exc, error_class)),
        ("error", "Request refused"),
    )
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    extra = {}
    if isinstance(exc, exceptions.ValidationError):
        detail = "The request has invalid fields; see errors."
        extra["errors"] = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    else:
        detail = str(exc.detail)
    return problem(request, status_code=exc.status_code, slug=slug, title=title, detail=detail, headers=headers, **extra)
