"""Domain errors about grants. The API maps them to RFC 7807 problem details in one handler
(vendors/api/exceptions.py); the portal maps them to messages."""


class GrantError(Exception):
    """Base of every grant error; the message is safe to show to the vendor or the person."""

    default_message = "The grant does not allow this."

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(self.message)


class InvalidTerms(GrantError):
    default_message = "The requested terms (scopes, purpose, duration or retention) are not valid."


class GrantNotActive(GrantError):
    default_message = "The grant is not active."


class GrantRevoked(GrantNotActive):
    default_message = "The person revoked this grant."


class GrantExpired(GrantNotActive):
    default_message = "The grant has expired."


class GrantPaused(GrantNotActive):
    default_message = "The person paused this grant."


class ScopeNotGranted(GrantError):
    default_message = "The grant does not include the scope this request needs."


class RateLimited(GrantError):
    default_message = "The grant's daily read limit is reached."


class DeletionNotDue(GrantError):
    default_message = "The grant is still live, so there is nothing to confirm deleted yet."
