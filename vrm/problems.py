"""RFC 9457 problem details: every problem type the API answers with, documented, and the one place that renders them.

Each type has a stable URI, ``{SITE_URL}/api/problems/<slug>``, which serves its
documentation (vrm/problem_views.py); the OpenAPI schema enumerates them. A
problem document can only be built from a type in PROBLEM_TYPES, so a new type
cannot reach a client without its documentation (tests/vrm/test_problems.py
checks every type has some).

The exception handler maps, in this order: domain errors (vrm.errors.DomainError,
by their ``problem_type``), DRF's and Django's own refusals, and nothing else: an
unreachable database is answered 503 by vrm.middleware for every surface, and any
other error is a bug, a 500 (still a problem document on the API, vrm.middleware).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response

from vrm.errors import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_PATH = "/api/problems/"


@dataclass(frozen=True)
class ProblemType:
    slug: str
    status: int
    title: str
    # What it means and what the client should do: the documentation its URI serves.
    description: str

    @property
    def uri(self):
        return f"{settings.SITE_URL}{PROBLEM_PATH}{self.slug}"


PROBLEM_TYPES = {
    problem.slug: problem
    for problem in [
        ProblemType(
            "not-authenticated", 401, "Not authenticated",
            "No usable credentials: the access token is missing, unknown, expired or ended (revoking or ending a "
            "grant ends its tokens), or it was not sent in the Authorization header; for client endpoints, the "
            "client_id and client_secret did not match. The WWW-Authenticate header carries the RFC 6750 error. "
            "Get a new token (refresh it, or ask the person again) and retry.",
        ),
        ProblemType(
            "forbidden", 403, "Forbidden",
            "The credentials are valid but this kind of token may not use this endpoint: for example a token that "
            "was not issued under a person's grant on a vendor endpoint, or a vendor's token on an auditor endpoint.",
        ),
        ProblemType(
            "scope-not-granted", 403, "Scope not granted",
            "The grant (as the person may have narrowed it) does not include the scope this endpoint needs. Ask "
            "the person for a new grant with that scope; retrying will not help.",
        ),
        ProblemType(
            "grant-paused", 403, "Grant paused",
            "The person paused the grant. Nothing can be read or written until they resume it (or until the pause "
            "they set ends); keep your tokens, they work again after the resume.",
        ),
        ProblemType(
            "grant-expired", 403, "Grant expired",
            "The grant's end date has passed. Its tokens stop working; keep what you read only for the grant's "
            "retention, then delete it and confirm at POST /api/v1/grant/deletion-confirmation.",
        ),
        ProblemType(
            "grant-revoked", 403, "Grant revoked",
            "The person revoked the grant. Revocation also ends the grant's tokens, so a later request usually "
            "meets not-authenticated (401) instead. Delete what you read once the retention ends and confirm it.",
        ),
        ProblemType(
            "grant-not-active", 403, "Grant not active",
            "The grant does not allow access at this moment (for example it has not started yet).",
        ),
        ProblemType(
            "rate-limited", 429, "Daily read limit reached",
            "The grant allows a number of profile reads per day (UTC) and this request would exceed it. Only "
            "GET /api/v1/profile counts. Retry after the time in the Retry-After header.",
        ),
        ProblemType(
            "throttled", 429, "Too many requests",
            "Too many requests in a short time. Retry after the number of seconds in the Retry-After header.",
        ),
        ProblemType(
            "invalid-request", 400, "Invalid request",
            "The body or the query string parsed, but a field is missing or invalid. The `errors` member maps each "
            "field to its messages. Fix the fields and retry; nothing was changed.",
        ),
        ProblemType(
            "malformed-body", 400, "Malformed request body",
            "The body is not valid JSON, or nests arrays and objects deeper than the server accepts. Send one JSON "
            "document; nothing was changed.",
        ),
        ProblemType(
            "body-too-large", 413, "Request body too large",
            "The body is larger than the server accepts (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB by default); nothing "
            "was changed.",
        ),
        ProblemType(
            "unsupported-media-type", 415, "Unsupported media type",
            "The body's Content-Type is not accepted. Every body of this API is JSON: send "
            "`Content-Type: application/json`.",
        ),
        ProblemType(
            "not-acceptable", 406, "Not acceptable",
            "The Accept header asks for a format this endpoint cannot produce. Accept application/json (and "
            "application/problem+json for errors).",
        ),
        ProblemType(
            "not-found", 404, "Not found",
            "No such endpoint, or no such object under your credentials: a token sees only its own grant's "
            "objects, a client only its own grants.",
        ),
        ProblemType(
            "method-not-allowed", 405, "Method not allowed",
            "The endpoint exists but not with this HTTP method; the Allow header lists the methods it has.",
        ),
        ProblemType(
            "invalid-terms", 400, "Invalid terms",
            "The requested terms of a grant (scopes, purpose, duration or retention) are not valid.",
        ),
        ProblemType(
            "grant-live", 409, "Grant still live",
            "A deletion can be confirmed only once the grant has ended (revoked or expired). Confirm again after "
            "it ends.",
        ),
        ProblemType(
            "receipt-not-verified", 422, "Receipt not verified",
            "The receipt is malformed, or its signature was not made by this server's receipt key. Do not rely "
            "on its contents.",
        ),
        ProblemType(
            "service-unavailable", 503, "Service unavailable",
            "The database is unreachable for a moment. Nothing was changed; retry after the number of seconds "
            "in the Retry-After header.",
        ),
        ProblemType(
            "rights-request-closed", 409, "Request already closed",
            "The rights request was already answered or refused: nothing more can be said to it. List the open "
            "ones with GET /api/v1/rights-requests.",
        ),
        ProblemType(
            "extension-not-allowed", 409, "Extension not allowed",
            "The law of the request's jurisdiction gives no extension for this kind of request, it was extended "
            "already, or its deadline has passed. Answer or refuse it instead.",
        ),
        ProblemType(
            "invalid-response", 400, "Invalid response",
            "The response to a rights request is malformed: a reason is missing where the outcome needs one, or "
            "an attachment was sent where none belongs (only an access request's answer carries one).",
        ),
        ProblemType(
            "attachment-too-large", 413, "Attachment too large",
            "The access answer's JSON attachment is over VRM_RIGHTS_MAX_ATTACHMENT_BYTES (encoded). Send a "
            "smaller summary, nothing was stored.",
        ),
        ProblemType(
            "person-erased", 409, "Person erased their account",
            "The person erased their account after filing the request: nothing can be stored for them any more, "
            "and nothing was. Treat the request as closed.",
        ),
        ProblemType(
            "server-error", 500, "Server error",
            "An unexpected error on the server; it is logged. Nothing you can fix in the request; report it if it "
            "persists.",
        ),
    ]
}

UNAVAILABLE_HEADERS = {"Retry-After": "5"}
UNAVAILABLE_DETAIL = "Nothing was changed; try again shortly."


class BodyTooLarge(exceptions.APIException):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE (raised by the API's JSON parser)."""

    status_code = 413
    default_detail = "The request body is too large."
    default_code = "body_too_large"


# DRF's and Django's refusals, most specific first.
FRAMEWORK_PROBLEMS = [
    (BodyTooLarge, "body-too-large"),
    (exceptions.NotAuthenticated, "not-authenticated"),
    (exceptions.AuthenticationFailed, "not-authenticated"),
    (exceptions.PermissionDenied, "forbidden"),
    (exceptions.NotFound, "not-found"),
    (exceptions.ParseError, "malformed-body"),
    (exceptions.ValidationError, "invalid-request"),
    (exceptions.MethodNotAllowed, "method-not-allowed"),
    (exceptions.UnsupportedMediaType, "unsupported-media-type"),
    (exceptions.NotAcceptable, "not-acceptable"),
    (exceptions.Throttled, "throttled"),
]


def problem_uri(slug):
    """The stable URI of problem type `slug`, which serves its documentation."""
    return PROBLEM_TYPES[slug].uri


def problem_body(request, slug, detail, **extra):
    """The problem document of type `slug` (which must be in PROBLEM_TYPES) for `request`."""
    problem_type = PROBLEM_TYPES[slug]
    return {
        "type": problem_type.uri,
        "title": problem_type.title,
        "status": problem_type.status,
        "detail": detail,
        "instance": request.path if request is not None else "",
        **extra,
    }


def problem(request, slug, detail, *, headers=None, **extra):
    """A DRF response carrying the problem document of type `slug`."""
    body = problem_body(request, slug, detail, **extra)
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_response(request, slug, detail, *, headers=None, **extra):
    """The same as a plain Django response, for answers given outside DRF's views (middleware, error handlers)."""
    body = problem_body(request, slug, detail, **extra)
    response = JsonResponse(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def domain_problem(request, error):
    """The problem document for a domain error (vrm.errors.DomainError)."""
    extra = {"errors": {error.field: [error.message]}} if error.field else {}
    return problem(request, error.problem_type, error.message, headers=getattr(error, "headers", None), **extra)


def problem_details_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every refusal is a problem document; anything else propagates (see the module)."""
    request = context.get("request")
    if isinstance(exc, DomainError):
        return domain_problem(request, exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    slug = next((slug for error_class, slug in FRAMEWORK_PROBLEMS if isinstance(exc, error_class)), None)
    if slug is None:
        return None
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
    return problem(request, slug, detail, headers=headers, **extra)
