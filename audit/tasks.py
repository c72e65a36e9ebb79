"""Periodic audit work, scheduled by beat (see CELERY_BEAT_SCHEDULE): both idempotent."""

from celery import shared_task

from audit.checkpoints import sign_checkpoint as sign_checkpoint_now
from audit.verification import verify_chain


@shared_task
def sign_checkpoint():
    """Sign the chain head (size, head hash, time) unless it is already signed."""
    checkpoint = sign_checkpoint_now()
    return checkpoint.size if checkpoint else None


@shared_task
def verify_audit_log():
    """Verify the whole chain and store the run, so the auditor's status line stays current."""
    run = verify_chain()
    return {"ok": run.ok, "verified_size": run.verified_size}
