from datetime import timedelta

import pytest
from django.utils import timezone

from vrm.models import Heartbeat

pytestmark = pytest.mark.django_db


def test_it_reports_a_stale_worker_when_no_heartbeat_was_recorded(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "worker": "stale", "last_heartbeat": None}


def test_it_reports_the_worker_alive_after_a_recent_heartbeat(client):
    Heartbeat.objects.create(token="recent", worker_pid=1)

    body = client.get("/healthz").json()

    assert body["worker"] == "ok"


def test_it_reports_the_worker_stale_after_an_old_heartbeat(client):
    beat = Heartbeat.objects.create(token="old", worker_pid=1)
    Heartbeat.objects.filter(pk=beat.pk).update(created_at=timezone.now() - timedelta(minutes=10))

    body = client.get("/healthz").json()

    assert body["worker"] == "stale"


def test_it_refuses_a_post(client):
    assert client.post("/healthz").status_code == 405
