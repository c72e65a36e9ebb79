"""The rights requests' domain errors; the API maps them to problem details, the portal to form errors."""

from rights.clocks import NoSuchRight  # noqa: F401  (re-exported: the law gives no such right)
from vrm.errors import DomainError


class RightsError(DomainError):
    """Base of the rights requests' errors; `message` is safe to show."""


class RequestClosed(RightsError):
    """The request was already answered or refused: nothing more can be said to it."""

    problem_type = "rights-request-closed"


class ExtensionNotAllowed(RightsError):
    """The law gives no extension for this request, it was extended already, or its deadline has passed."""

    problem_type = "extension-not-allowed"


class InvalidResponse(RightsError):
    """A vendor's response is malformed: missing reason, an attachment where none belongs, bad JSON."""

    problem_type = "invalid-response"


class AttachmentTooLarge(InvalidResponse):
    """The access answer's attachment is over the size limit."""

    problem_type = "attachment-too-large"
