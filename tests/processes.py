"""Real processes for tests: a Celery worker on the configured broker, and polling with a deadline."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from urllib.parse import quote

from django.conf import settings
from django.db import connections

from vrm.settings import BASE_DIR


def database_url_for_test_db(alias="default"):
    """A database URL naming the test database this session created for `alias`, for child processes."""
    conf = connections[alias].settings_dict
    if conf["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{conf['NAME']}"
    user = quote(conf.get("USER") or "")
    password = f":{quote(conf['PASSWORD'])}" if conf.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{conf.get('HOST') or '127.0.0.1'}:{conf.get('PORT') or 5432}/{conf['NAME']}"


def child_database_env():
    """DATABASE_URL and VRM_KEYSTORE_URL naming this session's test databases, for child processes."""
    return {"DATABASE_URL": database_url_for_test_db(), "VRM_KEYSTORE_URL": database_url_for_test_db("keystore")}


def wait_until(predicate, timeout=30.0, interval=0.05, message="condition"):
    """Poll until predicate() is truthy; fail with message after timeout seconds. Returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def stop(process, timeout=20):
    """SIGTERM a child process and wait for it; SIGKILL it if it has not exited within `timeout` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def child_process(cmd, log_path, env):
    """`cmd` as a separate process in the project folder, its output appended to log_path; stopped on leaving."""
    with open(log_path, "ab") as log:
        process = subprocess.Popen(cmd, cwd=BASE_DIR, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        stop(process)


def celery_worker(log_path, concurrency=1, extra_env=None):
    """Start `celery worker` as a separate process on this session's queue and test database."""
    env = dict(os.environ, **child_database_env(), **(extra_env or {}))
    cmd = [
        sys.executable, "-m", "celery", "-A", "vrm", "worker",
        "-Q", settings.CELERY_TASK_DEFAULT_QUEUE,
        "--concurrency", str(concurrency), "--pool", "prefork" if concurrency > 1 else "solo",
        "--without-mingle", "--without-gossip", "-l", "info",
        "-n", f"test-{os.getpid()}@%h",
    ]
    return child_process(cmd, log_path, env)


def audit_sequencer(log_path, interval=0.01, env=None):
    """Run `manage.py run_audit_sequencer` as a separate process (on this session's test databases unless
    `env` says otherwise). On leaving, it is stopped with SIGTERM; its last line says how many it chained."""
    env = env or dict(os.environ, **child_database_env(), DJANGO_SETTINGS_MODULE="vrm.settings")
    return child_process([sys.executable, "manage.py", "run_audit_sequencer", "--interval", str(interval)], log_path, env)
