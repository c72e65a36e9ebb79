import os
import secrets

from celery import shared_task

from vrm.models import Heartbeat


@shared_task
def record_heartbeat(token=None):
    """Record that a worker ran a task; the same token twice leaves one row."""
    Heartbeat.objects.get_or_create(token=token or secrets.token_hex(16), defaults={"worker_pid": os.getpid()})
