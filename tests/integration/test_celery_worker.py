import secrets

import pytest

from tests.processes import wait_until
from vrm.models import Heartbeat
from vrm.tasks import record_heartbeat

pytestmark = pytest.mark.integration


def test_it_runs_a_task_sent_from_the_web_side_in_a_separate_worker_process(worker):
    token = secrets.token_hex(8)

    record_heartbeat.delay(token)

    beat = wait_until(lambda: Heartbeat.objects.filter(token=token).first(), message="the worker's heartbeat")
    assert beat.worker_pid == worker.pid
    assert worker.poll() is None


def test_it_keeps_one_row_when_the_same_task_runs_twice(worker):
    token = secrets.token_hex(8)

    record_heartbeat.delay(token)
    record_heartbeat.delay(token)
    record_heartbeat.delay("marker-" + token)

    wait_until(lambda: Heartbeat.objects.filter(token="marker-" + token).exists(), message="the marker task")
    assert Heartbeat.objects.filter(token=token).count() == 1
