"""Periodic audit work, scheduled by beat (see CELERY_BEAT_SCHEDULE): all idempotent."""

from celery import shared_task

from audit import log as audit_log
from audit.checkpoints import sign_checkpoint as sign_checkpoint_now
from audit.verification import verify_chain


@shared_task
def chain_pending_entries():
    """The sequencer's fallback: chain pending entries even when no `run_audit_sequencer` process runs."""
    return audit_log.chain_pending()


@shared_task
def sign_checkpoint():
    """Chain what is pending, then sign the chain head (size, head hash, time) unless it is already signed."""
    audit_log.chain_pending()
    checkpoint = sign_checkpoint_now()
    return checkpoint.size if checkpoint else None


@shared_task
def verify_audit_log():
    """Verify the whole chain and store the run, so the auditor's status line stays current."""
    run = verify_chain()
    return {"ok": run.ok, "verified_size": run.verified_size}
