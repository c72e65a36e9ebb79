"""Beat's grant sweeps (CELERY_BEAT_SCHEDULE): thin wrappers around consents.expiry and consents.retention.

Each is idempotent and runs with late acknowledgement (global setting), so a worker killed mid-run leaves
the message to be redelivered and the next run finishes what the committed batches did not.
"""

from celery import shared_task

from consents import expiry, retention


@shared_task
def expire_due_grants(batch_size=expiry.BATCH_SIZE):
    return expiry.expire_due_grants(batch_size=batch_size)


@shared_task
def resume_due_grants():
    return expiry.resume_due_grants()


@shared_task
def run_retention(batch_size=retention.BATCH_SIZE):
    return retention.run_retention(batch_size=batch_size)
