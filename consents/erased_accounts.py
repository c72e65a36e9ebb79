"""The end of an erased account: after a grace period its user row goes, with its grants and tokens.

Erasure (people.erasure.erase_person) destroys the data key at once and asks every vendor to delete what it
read; the sealed rows go with the next purge_erased_vaults. What is left (the deactivated, anonymised
user, its ended grants and any tokens) stays while vendors may still confirm their deletions, and is
deleted here once the grace period has passed and no deletion request is open. The audit log and the
receipts hold no foreign keys, only pseudonyms, so they stay and still verify; each grant's last entry,
`purged`, tells an auditor where its record went.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils import timezone

from audit import log as audit_log
from consents.models import Grant
from consents.sweeps import BATCH_SIZE, sweep

PURGE_REASON = "the erased account's grace period ended"


def erased_account_grace():
    return timedelta(days=settings.VRM_ERASED_ACCOUNT_GRACE_DAYS)


def purgeable_accounts(now):
    """Users whose vault was shredded more than the grace period ago and purged, with no grant whose
    deletion is still open (neither confirmed by the vendor nor marked overdue)."""
    open_deletion = Grant.objects.filter(
        person=OuterRef("pk"), deletion_confirmed_at__isnull=True, deletion_overdue_at__isnull=True
    )
    return (
        get_user_model().objects.filter(
            vault__shredded_at__lte=now - erased_account_grace(), vault__purged_at__isnull=False
        )
        .exclude(Exists(open_deletion))
        .order_by("pk")
    )


def purge_erased_accounts(now=None, batch_size=BATCH_SIZE):
    """Delete the user rows of purgeable erased accounts (cascading to their vault row, grants and tokens).
    Batched and idempotent; returns how many accounts it deleted."""
    now = now or timezone.now()
    due = purgeable_accounts(now)

    def purge(ids):
        # The batch is deleted through `due` again, so an account that stopped qualifying is left alone.
        accounts = due.filter(pk__in=ids)
        grants = list(Grant.objects.filter(person__in=accounts).order_by("pk"))
        audit_log.record_grant_events(grants, "purged", reason=PURGE_REASON, now=now)
        accounts.delete()

    return sweep(due, purge, batch_size=batch_size)
