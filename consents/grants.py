"""Services over the consent artefact: give, change and revoke grants, and check them at request time.

Each state change runs in one transaction, takes the acting user and a reason,
and records an audit event (with a signed receipt) inside that transaction.
A ``reason`` is what the person typed: the permanent audit entry holds only
its keyed hash, the text is kept in a GrantReason beside it, which erasure
deletes. Fixed phrases of the system's own go into the entry as they are.
"""

from datetime import datetime, time, timedelta
from datetime import timezone as dt_timezone

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from audit import log as audit_log
from consents.exceptions import (
    DeletionNotDue,
    GrantExpired,
    GrantNotActive,
    GrantPaused,
    GrantRevoked,
    InvalidTerms,
    RateLimited,
    ScopeNotGranted,
)
from consents.models import DailyReadCount, Grant, GrantReason
from consents.terms import format_duration, validate_terms
from vendors import webhooks
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
            webhooks.notify(grant, "grant.created", now=now)
            return grant
        before = grant_terms(grant)
        for field, value in values.items():
            setattr(grant, field, value)
        # A token never outlives its grant, also when the new terms are shorter.
        AccessToken.objects.filter(consent=grant, expires__gt=grant.expires_at).update(expires=grant.expires_at)
        return _save_change(
            grant, "changed", "grant.changed", actor=person, reason="",
            system_reason="the person allowed a new request from the vendor",
            now=now, detail={"before": before, "after": grant_terms(grant)},
        )


def _record(grant, event, *, actor, reason, system_reason="", now, detail=None):
    """The audit event of a change, with the person's reason kept beside it (the entry holds its hash)."""
    entry = audit_log.record_grant_event(
        grant, event, actor=actor, reason=system_reason, reason_text=reason, detail=detail, now=now
    )
    if reason:
        GrantReason.objects.create(grant=grant, entry_seq=entry.seq, text=reason)
    return entry


def _save_change(grant, event, webhook_event, *, actor, reason, now, detail=None, system_reason=""):
    """Save a change the caller made to a locked grant: who and why, the audit event (and receipt), the
    vendor's webhook after commit. Every service that changes a grant ends here."""
    grant.changed_by = actor
    grant.change_reason = reason or system_reason
    grant.save()
    _record(grant, event, actor=actor, reason=reason, system_reason=system_reason, detail=detail, now=now)
    webhooks.notify(grant, webhook_event, now=now)
    return grant


def revoke_grant(grant, *, actor, reason="", system_reason="", now=None):
    """End a live grant at once: its tokens are deleted in the same transaction. Idempotent.

    `reason` is the person's own text; `system_reason` a fixed phrase of the caller's (kept in the log)."""
    now = now or timezone.now()
    with transaction.atomic():
        grant = Grant.objects.select_for_update().get(pk=grant.pk)
        if grant.status not in Grant.LIVE_STATUSES:
            return grant
        grant.status = Grant.Status.REVOKED
        grant.paused_until = None
        grant.ended_at = now
        grant.retention_ends_at = now + grant.retention
        end_tokens([grant.pk], now)
        return _save_change(
            grant, "revoked", "grant.revoked", actor=actor, reason=reason, system_reason=system_reason, now=now
        )


def revoke_all_grants_of_person(person, *, actor, reason="", now=None):
    """Revoke every live grant of a person (for example when the account is erased); returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        grants = list(Grant.objects.select_for_update().filter(person=person, status__in=Grant.LIVE_STATUSES))
        for grant in grants:
            revoke_grant(grant, actor=actor, reason=reason, now=now)
    return len(grants)


def end_tokens(grant_ids, now):
    """Delete the access tokens and revoke the refresh tokens of these grants (in the caller's transaction)."""
    RefreshToken.objects.filter(consent_id__in=grant_ids, revoked__isnull=True).update(revoked=now, access_token=None)
    RefreshToken.objects.filter(access_token__consent_id__in=grant_ids).update(access_token=None)
    # Nothing points at these access tokens any more, so one DELETE does it; Django's collector would load
    # every token first to null the refresh tokens' links (a tenth of the expiry sweep's time).
    tokens = AccessToken.objects.filter(consent_id__in=grant_ids)
    tokens._raw_delete(tokens.db)


def _locked_live_grant(grant):
    """The grant re-read under a row lock; raises the GrantError saying why it can no longer change."""
    grant = Grant.objects.select_for_update().get(pk=grant.pk)
    if grant.status == Grant.Status.REVOKED:
        raise GrantRevoked("This grant was revoked; it cannot be changed any more.")
    if grant.status == Grant.Status.EXPIRED:
        raise GrantExpired("This grant has expired; it cannot be changed any more.")
    return grant


def pause_grant(grant, *, actor, until=None, reason="", now=None):
    """Pause a live grant: the vendor is refused like after revocation, but the person can resume it.

    `until` (optional) resumes it automatically (the resume sweep). Raises InvalidTerms for a resume date
    that is not in the future or not before the grant ends, GrantNotActive for an ended grant.
    """
    now = now or timezone.now()
    with transaction.atomic():
        grant = _locked_live_grant(grant)
        if until is not None and not now < until < grant.expires_at:
            raise InvalidTerms("The resume date must be in the future and before the grant ends.")
        if grant.status == Grant.Status.PAUSED and grant.paused_until == until:
            return grant
        grant.status = Grant.Status.PAUSED
        grant.paused_until = until
        return _save_change(grant, "paused", "grant.paused", actor=actor, reason=reason, now=now)


def resume_grant(grant, *, actor=None, reason="", system_reason="", now=None):
    """Make a paused grant active again (actor None: the resume sweep, which gives a `system_reason`).
    Idempotent for an active grant."""
    now = now or timezone.now()
    with transaction.atomic():
        grant = _locked_live_grant(grant)
        if grant.status != Grant.Status.PAUSED:
            return grant
        grant.status = Grant.Status.ACTIVE
        grant.paused_until = None
        return _save_change(
            grant, "resumed", "grant.resumed", actor=actor, reason=reason, system_reason=system_reason, now=now
        )


def narrow_grant(grant, *, actor, scopes, reason="", now=None):
    """Take scopes away from a live grant; the next request with any token sees only what is left.

    Raises InvalidTerms unless `scopes` is a non-empty strict subset of the granted scopes.
    """
    now = now or timezone.now()
    wanted = sorted(set(scopes))
    with transaction.atomic():
        grant = _locked_live_grant(grant)
        if not wanted:
            raise InvalidTerms("Keep at least one scope, or revoke the grant.")
        if not set(wanted) < set(grant.scopes):
            raise InvalidTerms("Narrowing can only take scopes away from those granted.")
        removed = sorted(set(grant.scopes) - set(wanted))
        grant.scopes = wanted
        return _save_change(
            grant, "narrowed", "grant.changed", actor=actor, reason=reason, now=now, detail={"removed_scopes": removed}
        )


def shorten_grant(grant, *, actor, expires_at, reason="", now=None):
    """Move a live grant's end earlier (never later); its tokens are cut back to the new end.

    Raises InvalidTerms unless now < expires_at < the current end.
    """
    now = now or timezone.now()
    with transaction.atomic():
        grant = _locked_live_grant(grant)
        if not now < expires_at < grant.expires_at:
            raise InvalidTerms("The new end must be in the future and earlier than the current one.")
        before = grant.expires_at
        grant.expires_at = expires_at
        if grant.paused_until and grant.paused_until >= expires_at:
            grant.paused_until = None
        AccessToken.objects.filter(consent=grant, expires__gt=expires_at).update(expires=expires_at)
        return _save_change(
            grant, "changed", "grant.changed", actor=actor, reason=reason, now=now,
            detail={"before": {"expires_at": before.isoformat()}, "after": {"expires_at": expires_at.isoformat()}},
        )


LEFT_VENDOR_REASON = "the person left this vendor"
ERASURE_REASON = "the person erased their account"


def leave_vendor(person, vendor, *, actor, reason="", now=None):
    """Revoke every live grant of `person` to `vendor`'s clients and ask the vendor to erase what it holds.

    Retention of all the person's grants with that vendor ends now; each unconfirmed one gets a
    deletion request (audited, webhook grant.retention_ended with erasure_requested), tracked until the
    vendor confirms. Returns the number of grants concerned; running it again requests nothing twice.
    """
    return _end_grants_and_request_deletion(
        Grant.objects.filter(person=person, client__vendor=vendor),
        actor=actor, reason=reason, system_reason=LEFT_VENDOR_REASON, now=now,
    )


def end_all_grants_for_erasure(person, *, actor, reason="", now=None):
    """What leave_vendor does, for every vendor at once: the erased person's grants are revoked and every
    vendor is asked now to delete what it read (the erasure overrides each grant's data life).

    `reason` is the caller's own wording (the person types none for erasure). Every reason the person
    typed for any of their grants is deleted here: the audit log keeps only hashes, so nothing the person
    wrote is left. Returns the number of deletion requests made; running it again requests nothing twice.
    """
    grants = Grant.objects.filter(person=person)
    with transaction.atomic():
        requested = _end_grants_and_request_deletion(
            grants, actor=actor, reason="", system_reason=reason or ERASURE_REASON, now=now
        )
        GrantReason.objects.filter(grant__person=person).delete()
        grants.update(change_reason=reason or ERASURE_REASON)
    return requested


def _end_grants_and_request_deletion(grants, *, actor, reason, system_reason, now=None):
    """Revoke the live grants among `grants`, end the retention of all of them now and request deletion
    (audit `deletion_requested`, webhook grant.retention_ended with erasure_requested) for each one not yet
    requested or confirmed. One transaction; returns how many requests it made."""
    now = now or timezone.now()
    with transaction.atomic():
        for grant in grants.filter(status__in=Grant.LIVE_STATUSES):
            revoke_grant(grant, actor=actor, reason=reason, system_reason=system_reason, now=now)
        pending = list(
            grants.select_for_update()
            .filter(deletion_requested_at__isnull=True, deletion_confirmed_at__isnull=True)
            .order_by("pk")
        )
        for grant in pending:
            grant.retention_ends_at = min(grant.retention_ends_at or now, now)
            grant.deletion_requested_at = now
            grant.save(update_fields=["retention_ends_at", "deletion_requested_at", "updated_at"])
            _record(grant, "deletion_requested", actor=actor, reason=reason, system_reason=system_reason, now=now)
        webhooks.notify(pending, "grant.retention_ended", now=now, extra={"erasure_requested": True})
    return len(pending)


def confirm_deletion(grant, *, now=None):
    """The vendor confirms it deleted what it read under `grant`. Idempotent; returns the grant.

    Raises GrantError (409 on the API) while the grant is live: only ended grants can be deleted.
    """
    now = now or timezone.now()
    with transaction.atomic():
        grant = Grant.objects.select_for_update().get(pk=grant.pk)
        if grant.status in Grant.LIVE_STATUSES:
            raise DeletionNotDue("The grant is still live; delete the data after it ends.")
        if grant.deletion_confirmed_at is not None:
            return grant
        grant.deletion_confirmed_at = now
        grant.save(update_fields=["deletion_confirmed_at", "updated_at"])
        audit_log.record_grant_event(grant, "deletion_confirmed", actor=None, reason="confirmed by the vendor", now=now)
        return grant


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
        raise ScopeNotGranted(
            f"The grant does not include {(' or ' if any_scope else ', ').join(missing)}.", scopes=wanted
        )
    return usable


def count_read(grant, *, now=None):
    """Count one profile read against the grant's daily (UTC) limit, if it has one; RateLimited beyond it.

    Counted in the database with one conditional UPDATE (or the day's first INSERT), so the limit holds
    exactly however many processes and machines serve the API, whatever the cache.
    """
    limit = grant.max_reads_per_day
    if not limit:
        return
    now = now or timezone.now()
    day = now.astimezone(dt_timezone.utc).date()
    if not _add_read(grant, day, limit):
        next_day = datetime.combine(day + timedelta(days=1), time(), tzinfo=dt_timezone.utc)
        raise RateLimited(f"This grant allows {limit} reads a day; try again tomorrow (UTC).",
                          retry_after=max(1, int((next_day - now).total_seconds())))


def _add_read(grant, day, limit):
    """True when one more read fitted under `limit` on `day` and was counted."""
    below_limit = DailyReadCount.objects.filter(grant_id=grant.pk, day=day, reads__lt=limit)
    if below_limit.update(reads=F("reads") + 1):
        return True
    try:
        with transaction.atomic():
            DailyReadCount.objects.create(grant_id=grant.pk, day=day, reads=1)
        return True
    except IntegrityError:  # the day's row exists: full, or another process created it just now
        return bool(below_limit.update(reads=F("reads") + 1))


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
