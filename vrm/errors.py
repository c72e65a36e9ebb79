"""The one root of the project's domain errors.

Services raise a subclass of DomainError for anything a caller did that the
rules forbid (a paused grant, a missing scope, a forged receipt). Each class
names the problem type it is (vrm/problems.py, PROBLEM_TYPES); the API renders
it as that problem document in one exception handler, and the portal shows its
message. The message is written for the vendor or the person: safe to show.
"""


class DomainError(Exception):
    """Base of every domain error; ``message`` is safe to show, ``problem_type`` names its problem type."""

    default_message = "The request is not allowed."
    problem_type = "forbidden"
    # The input field the error is about, if any: the API then lists it under the problem's `errors`.
    field = None

    def __init__(self, message=None, *, field=None):
        self.message = message or self.default_message
        if field is not None:
            self.field = field
        super().__init__(self.message)


class InvalidInput(DomainError):
    """Input that is well-formed but breaks a rule of the domain (a record that does not fit its category)."""

    default_message = "The request has an invalid field."
    problem_type = "invalid-request"
