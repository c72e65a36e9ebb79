"""The Celery app: one worker type and exactly one beat, configured from Django settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vrm.settings")

app = Celery("vrm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
