"""Liveness of the moving parts: database reachable, and when a worker last ran a task."""

from datetime import timedelta

from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from vrm.models import Heartbeat

HEARTBEAT_STALE_AFTER = timedelta(minutes=3)


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    last = Heartbeat.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    worker_ok = last is not None and timezone.now() - last < HEARTBEAT_STALE_AFTER
    return JsonResponse(
        {"database": "ok", "worker": "ok" if worker_ok else "stale", "last_heartbeat": last and last.isoformat()}
    )
