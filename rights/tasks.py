"""Beat's rights clocks sweep (CELERY_BEAT_SCHEDULE): a thin wrapper around rights.services.run_clocks.

Idempotent: a reminder is sent once per deadline and a request is flagged overdue once, so a run repeated
(a redelivered message, a second beat tick) changes nothing more.
"""

from celery import shared_task

from rights import services


@shared_task
def run_rights_clocks():
    return services.run_clocks()
