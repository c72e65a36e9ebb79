"""Beat's notification sweep (CELERY_BEAT_SCHEDULE "notify-persons"); idempotent."""

from celery import shared_task

from notifications import sweeps


@shared_task
def run_notification_sweeps():
    return sweeps.run_notification_sweeps()
