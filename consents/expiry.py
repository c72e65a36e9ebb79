"""Time-driven grant state, swept by beat (the source of truth; request-time checks never wait for it).

Sweeps work in batches (consents.sweeps): pick the ids of due grants with an indexed query (rows
locked with SKIP LOCKED on PostgreSQL, so two workers take different rows),
change them with one UPDATE ... WHERE id IN (batch) that re-checks the state,
and record one audit event per grant in the same transaction (the expiry sweep
appends and signs a whole batch at once, so its queries per batch do not grow
with the batch). A batch either commits whole or not at all, so a killed worker
loses nothing and a second run finds nothing left to do.
"""

from django.db.models import DateTimeField, ExpressionWrapper, F
from django.utils import timezone

from audit import log as audit_log
from consents.grants import end_tokens, resume_grant
from consents.models import Grant
from consents.sweeps import BATCH_SIZE, sweep
from vendors import webhooks

EXPIRY_REASON = "the grant reached its end"


def expire_due_grants(now=None, batch_size=BATCH_SIZE, max_batches=None):
    """End every live grant whose expires_at has passed: status expired, retention starts from its end,
    tokens gone, one `expired` audit event and one grant.expired webhook per grant. Returns how many.
    `max_batches` bounds one run; the next beat tick carries on.
    """
    now = now or timezone.now()
    due = Grant.objects.filter(status__in=Grant.LIVE_STATUSES, expires_at__lte=now).order_by("expires_at")

    def expire(ids):
        Grant.objects.filter(pk__in=ids, status__in=Grant.LIVE_STATUSES).update(
            status=Grant.Status.EXPIRED,
            paused_until=None,
            # Retention runs from the grant's own end, whenever the sweep comes round.
            ended_at=F("expires_at"),
            retention_ends_at=ExpressionWrapper(F("expires_at") + F("retention"), output_field=DateTimeField()),
            changed_by=None,
            change_reason=EXPIRY_REASON,
            updated_at=now,
        )
        end_tokens(ids, now)
        # The receipts load clients and vendors once per batch (a prefetch: one row per client, not per grant).
        grants = list(Grant.objects.filter(pk__in=ids).order_by("pk"))
        audit_log.record_grant_events(grants, "expired", reason=EXPIRY_REASON, now=now)
        webhooks.notify(grants, "grant.expired", now=now)

    return sweep(due, expire, batch_size=batch_size, max_batches=max_batches)


def resume_due_grants(now=None, batch_size=BATCH_SIZE):
    """Resume paused grants whose paused_until has come (each through resume_grant). Returns how many."""
    now = now or timezone.now()
    due = Grant.objects.filter(
        status=Grant.Status.PAUSED, paused_until__lte=now, expires_at__gt=now
    ).order_by("paused_until")

    def resume(ids):
        for grant in Grant.objects.filter(pk__in=ids).order_by("pk"):
            resume_grant(grant, actor=None, system_reason="the pause ended", now=now)

    return sweep(due, resume, batch_size=batch_size)
