"""A Redis broker of the test's own (a redis-server on a free loopback port) that it may stop and start, and a
broker that accepts connections and never answers; the test process's Celery app pointed at either."""

import shutil
import socket
import subprocess
import threading
from contextlib import contextmanager

import pytest

from tests.processes import stop, wait_until
from vrm import celery as vrm_celery
from vrm.celery import app as celery_app

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers_ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """redis-server on `port`, no persistence: a restart loses every message, as a crashed broker would."""

    def __init__(self, port, log_path):
        self.port, self.log_path, self.process = port, log_path, None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        wait_until(lambda: answers_ping(self.port), timeout=15, message=f"redis-server on port {self.port}")
        vrm_celery._paused_until.clear()  # this process may publish again at once

    def stop(self):
        if self.process is not None:
            stop(self.process)
            self.process = None


def point_celery_at(monkeypatch, url):
    """This process's Celery app sends to `url` (the env var wins over the setting, so both), fresh pool."""
    # The setting first: monkeypatch keeps what it reads now to put back, and the env var would already win.
    monkeypatch.setattr(celery_app.conf, "broker_url", url)
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)


@pytest.fixture
def own_redis(tmp_path, monkeypatch):
    """A running redis-server of this test's own; this process's Celery app sends to it."""
    server = RedisServer(free_port(), tmp_path / "redis.log")
    server.start()
    point_celery_at(monkeypatch, server.url)
    try:
        yield server
    finally:
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        server.stop()


class HungBroker:
    """Accepts TCP connections, counts them, and never answers: a broker that hangs."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.connections = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self):
        self.listener.close()
        for conn in self.connections:
            conn.close()


@contextmanager
def hung_broker(monkeypatch):
    broker = HungBroker()
    point_celery_at(monkeypatch, broker.url)
    vrm_celery._paused_until.clear()
    try:
        yield broker
    finally:
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        broker.close()
