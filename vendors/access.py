"""A vendor's access under a grant: the one check every vendor request passes, and what the vendor may do then.

Every vendor endpoint that acts under a person's grant calls ``authorize`` (through
vendors.api.permissions.GrantPermission); the profile read and the record write
are the services behind their endpoints. Refusals under a known grant are
written to the audit log before they are raised, so the person and auditors
see every attempt.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from audit import log as audit_log
from consents.exceptions import GrantError
from consents.grants import check_access, count_read
from consents.models import Grant
from vrm import vault
from vrm.catalogue import READ_SCOPE_CATEGORY, WRITE_SCOPE_CATEGORY
from vrm.errors import DomainError, InvalidInput


class NotAGrantToken(DomainError):
    default_message = "This token was not issued under a person's grant."
    problem_type = "forbidden"


@dataclass(frozen=True)
class GrantAccess:
    """One request's access: the grant, the scopes usable now (grant and token both), the request's id."""

    token: object
    grant: Grant
    scopes: frozenset
    request_id: str


def _refused(grant, action, request_id, error):
    audit_log.record_access(grant, action=action, fields=[], outcome="refused", request_id=request_id,
                            reason=error.message)


def authorize(token, *, scopes=(), any_scope=False, action="read", request_id, now=None):
    """The access `token` gives now to what needs `scopes` (all of them, or one with any_scope).

    Raises NotAGrantToken for a token not issued under a grant, and the GrantError that forbids
    it (revoked, expired, paused, scope missing) after auditing the refusal as `action`.
    """
    grant = getattr(token, "consent", None)
    if grant is None:
        raise NotAGrantToken()
    try:
        usable = check_access(grant, scopes=scopes, any_scope=any_scope, within=token.scope.split(), now=now)
    except GrantError as error:
        _refused(grant, action, request_id, error)
        raise
    return GrantAccess(token=token, grant=grant, scopes=frozenset(usable), request_id=request_id)


def read_profile(access, *, now=None):
    """The person's attributes in the categories the access covers, decrypted for this response only.

    Counts one read against the grant's daily limit (RateLimited beyond it, audited); only this read counts.
    The read's audit entry is one INSERT that commits on its own before the values are returned, so a
    failure to record it means no values leave. Returns (read scopes, {category: {key: value}}).
    """
    now = now or timezone.now()
    try:
        count_read(access.grant, now=now)
    except GrantError as error:
        _refused(access.grant, "read", access.request_id, error)
        raise
    scopes = sorted(scope for scope in access.scopes if scope in READ_SCOPE_CATEGORY)
    profile = vault.read_profile(access.token.user, [READ_SCOPE_CATEGORY[scope] for scope in scopes])
    fields = sorted(f"{category}.{key}" for category, values in profile.items() for key in values)
    audit_log.record_access(access.grant, action="read", fields=fields, outcome="ok", request_id=access.request_id)
    return scopes, profile


def add_record(access, *, data, retention, category=None, now=None):
    """Add `data` to the person's vault as a record of `category` (default: the first the access may write),
    kept for `retention`; audited in the same transaction. Raises InvalidInput for a category the grant
    does not cover or a record the vault refuses."""
    now = now or timezone.now()
    writable = sorted({WRITE_SCOPE_CATEGORY[scope] for scope in access.scopes if scope in WRITE_SCOPE_CATEGORY})
    category = category or writable[0]
    if category not in writable:
        raise InvalidInput(f"Your grant does not allow writing {category} records.", field="category")
    with transaction.atomic():
        try:
            record = vault.add_record(access.token.user, category=category, data=data, written_by_grant=access.grant,
                                      retain_until=now + retention, now=now)
        except vault.InvalidRecord as error:
            raise InvalidInput(str(error), field="data") from None
        audit_log.record_access(access.grant, action="write", fields=sorted(data), outcome="ok",
                                request_id=access.request_id)
    return record

