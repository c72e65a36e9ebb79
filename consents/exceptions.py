"""Domain errors about grants, under the project's one root (vrm.errors.DomainError). Each names its problem
type; the API renders it in one handler (vrm/problems.py), the portal shows its message."""

from vrm.errors import DomainError


class GrantError(DomainError):
    """Base of every grant error; the message is safe to show to the vendor or the person."""

    default_message = "The grant does not allow this."
    problem_type = "grant-not-active"


class InvalidTerms(GrantError):
    default_message = "The requested terms (scopes, purpose, duration or retention) are not valid."
    problem_type = "invalid-terms"


class GrantNotActive(GrantError):
    default_message = "The grant is not active."
    problem_type = "grant-not-active"


class GrantRevoked(GrantNotActive):
    default_message = "The person revoked this grant."
    problem_type = "grant-revoked"


class GrantExpired(GrantNotActive):
    default_message = "The grant has expired."
    problem_type = "grant-expired"


class GrantPaused(GrantNotActive):
    default_message = "The person paused this grant."
    problem_type = "grant-paused"


class ScopeNotGranted(GrantError):
    default_message = "The grant does not include the scope this request needs."
    problem_type = "scope-not-granted"

    def __init__(self, message=None, *, scopes=()):
        super().__init__(message)
        # RFC 6750 section 3.1: a missing scope is an insufficient_scope challenge naming what would do.
        wanted = " ".join(sorted(scopes))
        self.headers = {"WWW-Authenticate": f'Bearer realm="vrm", error="insufficient_scope", scope="{wanted}"'}


class RateLimited(GrantError):
    default_message = "The grant's daily read limit is reached."
    problem_type = "rate-limited"

    def __init__(self, message=None, *, retry_after=None):
        super().__init__(message)
        # Seconds until the count starts again (the next UTC day), for the Retry-After header.
        self.headers = {"Retry-After": str(retry_after)} if retry_after is not None else None


class DeletionNotDue(GrantError):
    default_message = "The grant is still live, so there is nothing to confirm deleted yet."
    problem_type = "grant-live"
