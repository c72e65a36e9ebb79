"""Retention after a grant ends, swept by beat: ask the vendor to delete what it read when the data life
runs out, flag requests it leaves unconfirmed, and purge what this side keeps past its time.

Batched and idempotent (consents/sweeps.py): each batch re-checks the state it changes and commits with
its audit events, so a second run, or a second worker, records nothing twice.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from oauth2_provider.models import clear_expired

from audit import log as audit_log
from consents import erased_accounts
from consents.models import Grant
from consents.sweeps import BATCH_SIZE, sweep
from vendors import webhooks
from vendors.models import AccessToken
from vrm import vault


def deletion_grace():
    return timedelta(days=settings.VRM_DELETION_GRACE_DAYS)


def request_due_deletions(now=None, batch_size=BATCH_SIZE):
    """For ended grants whose retention has run out: audit `retention_ended` and `deletion_requested`,
    send grant.retention_ended. Returns how many requests it made."""
    now = now or timezone.now()
    due = Grant.objects.filter(
        retention_ends_at__lte=now, deletion_requested_at__isnull=True, deletion_confirmed_at__isnull=True
    ).exclude(status__in=Grant.LIVE_STATUSES).order_by("retention_ends_at")

    def request(ids):
        Grant.objects.filter(pk__in=ids, deletion_requested_at__isnull=True).update(
            deletion_requested_at=now, updated_at=now
        )
        grants = list(Grant.objects.filter(pk__in=ids).order_by("pk"))
        # A batch append each (one chain lock and head read), each grant's two events in this order.
        audit_log.record_grant_events(grants, "retention_ended", now=now)
        audit_log.record_grant_events(
            grants, "deletion_requested", reason="retention ended; the vendor must delete and confirm", now=now
        )
        webhooks.notify(grants, "grant.retention_ended", now=now, extra={"erasure_requested": True})

    return sweep(due, request, batch_size=batch_size)


def mark_overdue_deletions(now=None, batch_size=BATCH_SIZE):
    """Flag deletion requests unconfirmed for longer than the grace period (audit `deletion_overdue`)."""
    now = now or timezone.now()
    due = Grant.objects.filter(
        deletion_requested_at__lte=now - deletion_grace(),
        deletion_confirmed_at__isnull=True,
        deletion_overdue_at__isnull=True,
    ).order_by("deletion_requested_at")

    def mark(ids):
        Grant.objects.filter(pk__in=ids).update(deletion_overdue_at=now, updated_at=now)
        audit_log.record_grant_events(
            Grant.objects.filter(pk__in=ids).order_by("pk"), "deletion_overdue",
            reason="the vendor did not confirm deletion in time", now=now,
        )

    return sweep(due, mark, batch_size=batch_size)


def run_retention(now=None, batch_size=BATCH_SIZE):
    """Every retention sweep once, in order; returns what each did (for the command and the task)."""
    now = now or timezone.now()
    return {
        "deletions_requested": request_due_deletions(now=now, batch_size=batch_size),
        "deletions_overdue": mark_overdue_deletions(now=now, batch_size=batch_size),
        "vault_records_purged": vault.purge_expired_records(now=now),
        "erased_vaults_purged": vault.purge_erased_vaults(now=now),
        "erased_accounts_purged": erased_accounts.purge_erased_accounts(now=now, batch_size=batch_size),
        "expired_tokens_cleared": clear_expired_tokens(),
    }


def clear_expired_tokens():
    """DOT's own batched clean-up of expired tokens (an expired access token goes once no live refresh token
    needs it); returns how many access tokens it removed."""
    before = AccessToken.objects.count()
    clear_expired()
    return before - AccessToken.objects.count()
