"""The Celery app: one worker type and exactly one beat, configured from Django settings (CELERY_*)."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vrm.settings")

app = Celery("vrm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.import_modules.connect
def refuse_to_start_unless_safe(sender=None, **kwargs):
    """Worker and beat send this before they consume or schedule anything (after Django's set-up);
    Celery re-raises an exception from it, so a failed start-up check (a missing master key) stops the process."""
    from vrm.startup import require_safe_start

    require_safe_start()
