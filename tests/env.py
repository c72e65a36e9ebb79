"""Loaded with ``-p tests.env`` before Django's settings: the environment every test session runs in.

Each session gets its own Celery queue, so a ``make run`` worker on the same
broker (or another test session) never takes the tests' tasks.
"""

import os
import uuid

os.environ.setdefault("DEBUG", "1")
# Test receivers of webhooks listen on loopback: allowed here by name, as an operator would (pytest-django turns
# DEBUG off, and the workers the tests start inherit this).
os.environ.setdefault("VRM_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
os.environ["VRM_CELERY_QUEUE"] = f"test-{uuid.uuid4().hex[:12]}"
# No persistent connections in tests: the live server answers each keep-alive client on a thread of its
# own, which would hold its connection until the client hangs up and keep the test database from being dropped.
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")
# Playwright's sync API keeps an event loop in the test thread; the ORM calls made by the
# tests around it are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
