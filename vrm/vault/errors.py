"""The vault's domain errors."""

from vrm.errors import DomainError


class VaultError(DomainError):
    """Base of the vault's domain errors."""

    problem_type = "invalid-request"


class UnknownCategory(VaultError):
    pass


class InvalidRecord(VaultError):
    """A vendor-written record was refused: not a small JSON object, unknown category, or bad retention."""


class InvalidProfileValue(VaultError):
    """Submitted profile values failed validation; `errors` maps attribute key -> message."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


class InvalidAttribute(VaultError):
    """A custom attribute definition was refused."""


class VaultErased(VaultError):
    """The person erased their account; nothing can be written to their vault."""

    problem_type = "forbidden"
