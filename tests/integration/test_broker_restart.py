"""The worker and its broker: a real worker on a redis-server of the test's own, stopped and started while the
worker holds unacknowledged messages; supervisord (make run) restarts a worker that exits."""

import configparser
import os
import secrets
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from consents.grants import revoke_grant
from tests.factories import make_client, make_grant
from tests.processes import celery_worker, child_database_env, child_process, wait_until
from tests.vendors.webhook_receiver import webhook_receiver
from vendors import webhooks
from vendors.models import WebhookDelivery
from vendors.tasks import redeliver_overdue_webhooks
from vrm.models import Heartbeat
from vrm.settings import BASE_DIR
from vrm.tasks import record_heartbeat

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def text(path):
    return path.read_text(errors="replace") if path.exists() else ""


@pytest.mark.parametrize("concurrency", [1, 2], ids=["solo", "prefork"])
def test_a_worker_holding_unacknowledged_messages_survives_a_broker_restart_and_finishes(own_redis, tmp_path,
                                                                                         concurrency):
    log = tmp_path / "worker.log"
    after = secrets.token_hex(8)
    with webhook_receiver(status=500) as receiver, \
            celery_worker(log, concurrency=concurrency, extra_env={"CELERY_BROKER_URL": own_redis.url}) as worker:
        wait_until(lambda: " ready." in text(log), message="the worker ready")
        client, _ = make_client()
        webhooks.set_endpoint(client, receiver.url)
        grant = make_grant(client=client)
        revoke_grant(grant, actor=grant.person)
        delivery = WebhookDelivery.objects.get(client=client)
        # The first attempt fails; its retry waits for its countdown in the worker, unacknowledged.
        wait_until(lambda: "Retry in" in text(log), message="the webhook's retry waiting in the worker")
        receiver.status = 200

        own_redis.stop()
        wait_until(lambda: "Connection to broker lost" in text(log), message="the worker seeing the broker go")
        own_redis.start()
        wait_until(lambda: text(log).count("Connected to") >= 2, message="the worker reconnected")
        record_heartbeat.delay(after)
        wait_until(lambda: Heartbeat.objects.filter(token=after).exists(), message="a task sent after the restart")
        # The restarted broker kept nothing (no persistence), the retry's message with it. Five minutes after its
        # attempt was due, the redelivery sweep hands the delivery over again.
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=timezone.now() - webhooks.REDELIVER_AFTER - timedelta(seconds=1)
        )
        redeliver_overdue_webhooks.delay()
        finished = wait_until(
            lambda: WebhookDelivery.objects.filter(pk=delivery.pk, status="delivered").first(),
            message="the webhook delivered after the restart",
        )
        alive = worker.poll() is None
    assert alive and "Unrecoverable error" not in text(log)
    assert "'NoneType' object has no attribute 'hostname'" not in text(log)
    assert finished.attempts == 2 and [code for code in receiver.statuses] == [500, 200]
    assert {headers["VRM-Delivery"] for headers, _ in receiver.requests} == {str(delivery.pk)}


def supervisor_config(tmp_path):
    """supervisord.conf as `make run` uses it, with its worker program only and its state under tmp_path."""
    shipped = configparser.RawConfigParser()
    shipped.read(BASE_DIR / "supervisord.conf")
    config = configparser.RawConfigParser()
    config["supervisord"] = {"nodaemon": "true", "logfile": str(tmp_path / "supervisord.log"),
                             "pidfile": str(tmp_path / "supervisord.pid"), "childlogdir": str(tmp_path)}
    config["unix_http_server"] = {"file": str(tmp_path / "supervisor.sock")}
    config["rpcinterface:supervisor"] = dict(shipped["rpcinterface:supervisor"])
    config["supervisorctl"] = {"serverurl": f"unix://{tmp_path / 'supervisor.sock'}"}
    worker = dict(shipped["program:worker"])
    worker["command"] = worker["command"].replace("%(here)s/.venv/bin/celery", f"{sys.executable} -m celery")
    worker["directory"] = str(BASE_DIR)
    worker["stdout_logfile"] = str(tmp_path / "worker.log")
    config["program:worker"] = worker
    path = tmp_path / "supervisord.conf"
    with open(path, "w") as handle:
        config.write(handle)
    return path


def worker_pid(config):
    result = subprocess.run([sys.executable, "-m", "supervisor.supervisorctl", "-c", str(config), "pid", "worker"],
                            capture_output=True, text=True, timeout=30, check=False)
    return int(result.stdout.strip()) if result.stdout.strip().isdigit() else 0


def test_supervisord_restarts_a_worker_that_exits(own_redis, tmp_path):
    """The worker program of supervisord.conf (make run) comes back after it dies, and takes tasks again."""
    config = supervisor_config(tmp_path)
    env = dict(os.environ, **child_database_env(), CELERY_BROKER_URL=own_redis.url)
    token = secrets.token_hex(8)
    with child_process([sys.executable, "-m", "supervisor.supervisord", "-c", str(config)],
                       tmp_path / "supervisord.out", env):
        first = wait_until(lambda: worker_pid(config), message="the supervised worker running")
        wait_until(lambda: " ready." in text(tmp_path / "worker.log"), message="the worker ready")

        os.kill(first, signal.SIGKILL)
        second = wait_until(lambda: worker_pid(config) not in (0, first) and worker_pid(config),
                            message="supervisord starting the worker again")
        record_heartbeat.delay(token)
        beat = wait_until(lambda: Heartbeat.objects.filter(token=token).first(), message="the restarted worker's task")
        ran_in = beat.worker_pid if beat.worker_pid == second else parent_of(beat.worker_pid)  # a pool process

    assert second != first and ran_in == second


def parent_of(pid):
    with open(f"/proc/{pid}/stat") as handle:
        return int(handle.read().rsplit(")", 1)[1].split()[1])
