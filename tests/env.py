"""Loaded with ``-p tests.env`` before Django's settings: the environment every test session runs in.

Each session gets its own Celery queue, so a ``make run`` worker on the same
broker (or another test session) never takes the tests' tasks.
"""

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("DEBUG", "1")
# Test receivers of webhooks listen on loopback: allowed here by name, as an operator would (pytest-django turns
# DEBUG off, and the workers the tests start inherit this).
os.environ.setdefault("VRM_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
os.environ["VRM_CELERY_QUEUE"] = f"test-{uuid.uuid4().hex[:12]}"


def _cache_url_of_worker(url, worker):
    """Each pytest-xdist worker its own Redis cache database (the given one, then 8 further on for the next
    worker, of Redis's 16): every test empties the cache, which must not reset another worker's counters."""
    parts = urlsplit(url)
    index = int(worker.removeprefix("gw"))
    database = (int(parts.path.strip("/") or 0) + 8 * index) % 16
    return urlunsplit(parts._replace(path=f"/{database}"))


if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("CACHE_URL", "").startswith(("redis://", "rediss://")):
    os.environ["CACHE_URL"] = _cache_url_of_worker(os.environ["CACHE_URL"], os.environ["PYTEST_XDIST_WORKER"])
# No persistent connections in tests: the live server answers each keep-alive client on a thread of its
# own, which would hold its connection until the client hangs up and keep the test database from being dropped.
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")
# Playwright's sync API keeps an event loop in the test thread; the ORM calls made by the
# tests around it are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
