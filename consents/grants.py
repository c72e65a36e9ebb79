"""Services over the consent artefact: give, change and revoke grants, and check them at request time.

Each state change runs in one transaction, takes the acting user and a reason,
and records an audit event (with a signed receipt) inside that transaction.
"""

from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from audit import log as audit_log
from consents.exceptions import (
    GrantExpired,
    GrantNotActive,
    GrantPaused,
    GrantRevoked,
    InvalidTerms,
    RateLimited,
    ScopeNotGranted,
)
from consents.models import Grant
from consents.terms import format_duration, validate_terms
from vendors.models import AccessToken, RefreshToken


def _known_scopes():
    from vendors.oauth import person_scopes

    return person_scopes()


def create_grant(
    *,
    person,
    client,
    requested_scopes,
    scopes,
    purpose,
    purpose_text,
    duration,
    retention,
    max_reads_per_day=None,
    now=None,
):
    """Record a person's consent to `client`: the scopes they allowed (a subset of those asked) on these terms.

    There is at most one live grant per person and client: asking again replaces
    the live grant's terms (an audited change) instead of adding a second grant.
    Existing tokens of that grant are cut back to its new end. Raises InvalidTerms.
    """
    now = now or timezone.now()
    requested = sorted(set(requested_scopes))
    allowed = sorted(set(scopes))
    unknown = set(requested) - set(_known_scopes())
    if unknown:
        raise InvalidTerms(f"Unknown scope(s): {', '.join(sorted(unknown))}.")
    if not allowed:
        raise InvalidTerms("Allow at least one scope, or deny the request.")
    if not set(allowed) <= set(requested):
        raise InvalidTerms("A grant cannot include scopes the vendor did not ask for.")
    terms = validate_terms(
        purpose=purpose,
        purpose_text=purpose_text,
        duration=duration,
        retention=retention,
        max_reads_per_day=max_reads_per_day,
    )
    values = {
        "requested_scopes": requested,
        "scopes": allowed,
        "purpose": terms.purpose,
        "purpose_text": terms.purpose_text,
        "expires_at": now + terms.duration,
        "retention": terms.retention,
        "max_reads_per_day": terms.max_reads_per_day,
        "status": Grant.Status.ACTIVE,
        "paused_until": None,
        "changed_by": person,
        "change_reason": "",
    }
    with transaction.atomic():
        grant = (
            Grant.objects.select_for_update()
            .filter(person=person, client=client, status__in=Grant.LIVE_STATUSES)
            .first()
        )
        if grant is None:
            grant = Grant.objects.create(person=person, client=client, starts_at=now, **values)
            audit_log.record_grant_event(grant, "created", actor=person, detail=grant_terms(grant), now=now)
            return grant
        before = grant_terms(grant)
        for field, value in values.items():
            setattr(grant, field, value)
        grant.change_reason = "the person allowed a new request from the vendor"
        grant.save()
        # A token never outlives its grant, also when the new terms are shorter.
        AccessToken.objects.filter(consent=grant, expires__gt=grant.expires_at).update(expires=grant.expires_at)
        audit_log.record_grant_event(
            grant,
            "changed",
            actor=person,
            reason=grant.change_reason,
            detail={"before": before, "after": grant_terms(grant)},
            now=now,
        )
        return grant


def revoke_grant(grant, *, actor, reason="", now=None):
    """End a live grant at once: its tokens are deleted in the same transaction. Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        grant = Grant.objects.select_for_update().get(pk=grant.pk)
        if grant.status not in Grant.LIVE_STATUSES:
            return grant
        grant.status = Grant.Status.REVOKED
        grant.paused_until = None
        grant.ended_at = now
        grant.retention_ends_at = now + grant.retention
        grant.changed_by = actor
        grant.change_reason = reason
        grant.save()
        _end_tokens(grant, now)
        audit_log.record_grant_event(grant, "revoked", actor=actor, reason=reason, now=now)
        return grant


def revoke_all_grants_of_person(person, *, actor, reason="", now=None):
    """Revoke every live grant of a person (for example when the account is erased); returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        grants = list(Grant.objects.select_for_update().filter(person=person, status__in=Grant.LIVE_STATUSES))
        for grant in grants:
            revoke_grant(grant, actor=actor, reason=reason, now=now)
    return len(grants)


def _end_tokens(grant, now):
    RefreshToken.objects.filter(consent=grant, revoked__isnull=True).update(revoked=now, access_token=None)
    AccessToken.objects.filter(consent=grant).delete()


def check_access(grant, *, scopes, any_scope=False, within=None, now=None):
    """Raise the GrantError that forbids using `grant` for `scopes` now; return the usable scopes otherwise.

    `scopes` must all be granted, or with any_scope=True at least one of them.
    `within` (a token's scopes) narrows what is usable: a token carries no more than its grant, and
    the grant may have been narrowed since the token was issued.
    """
    now = now or timezone.now()
    if grant.status == Grant.Status.REVOKED:
        raise GrantRevoked()
    if grant.status == Grant.Status.EXPIRED or now >= grant.expires_at:
        raise GrantExpired()
    if grant.status == Grant.Status.PAUSED:
        raise GrantPaused()
    if not grant.is_active_at(now):
        raise GrantNotActive()
    usable = set(grant.scopes) if within is None else set(grant.scopes) & set(within)
    wanted = set(scopes)
    if wanted and not (usable & wanted if any_scope else wanted <= usable):
        missing = sorted(wanted - usable)
        raise ScopeNotGranted(f"The grant does not include {(' or ' if any_scope else ', ').join(missing)}.")
    return usable


def count_read(grant, *, now=None):
    """Count one read against the grant's daily limit (if it has one); raise RateLimited beyond it."""
    if not grant.max_reads_per_day:
        return
    now = now or timezone.now()
    key = f"grant-reads:{grant.pk}:{now.date().isoformat()}"
    cache.add(key, 0, timeout=int(timedelta(days=2).total_seconds()))
    if cache.incr(key) > grant.max_reads_per_day:
        raise RateLimited(f"This grant allows {grant.max_reads_per_day} reads a day; try again tomorrow (UTC).")


def grant_terms(grant):
    """The terms of a grant as plain JSON values (for audit details and the vendor's view)."""
    return {
        "scopes": list(grant.scopes),
        "requested_scopes": list(grant.requested_scopes),
        "purpose": grant.purpose,
        "purpose_text": grant.purpose_text,
        "starts_at": grant.starts_at.isoformat(),
        "expires_at": grant.expires_at.isoformat(),
        "retention": format_duration(grant.retention),
        "max_reads_per_day": grant.max_reads_per_day,
        "status": grant.status,
    }
