"""The Celery app: one worker type and exactly one beat, configured from Django settings (CELERY_*).

Also the one way to send a task after a transaction commits (`enqueue_after_commit`): a person's request or a
sweep never waits on a broker that is down.
"""

import logging
import os
import time
from functools import partial

from celery import Celery, signals
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vrm.settings")

app = Celery("vrm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)

# After a failed publish this process sends nothing to that broker for this long: the work is not lost (every
# task sent this way has a periodic sweep or an outbox row behind it), and the next request must not wait on the
# same outage.
BROKER_PAUSE_SECONDS = 5.0
# One attempt to reach the broker, bounded: no connection retries, short connect and socket timeouts.
PUBLISH_TIMEOUT_SECONDS = 1.0
PUBLISH_OPTIONS = {
    "max_retries": 0, "socket_connect_timeout": PUBLISH_TIMEOUT_SECONDS, "socket_timeout": PUBLISH_TIMEOUT_SECONDS,
}
_paused_until = {}  # broker URL -> time.monotonic() before which nothing is sent to it


def enqueue_after_commit(task, *calls, using=None):
    """Send `task` (a task, or its name) once the current transaction on `using` commits (at once outside one).

    `calls` are argument tuples, one message each, sent over one connection; none means one call without
    arguments. The broker gets one short attempt (no retries, PUBLISH_TIMEOUT_SECONDS to connect and per socket
    operation); when it is unavailable the rest are not tried, a warning is logged and the caller carries on:
    the periodic sweep behind every such task (or its outbox row) does the work later.
    Returns nothing and never raises for a broker outage.
    """
    transaction.on_commit(partial(_publish, task, calls or ((),)), using=using)


def _publish(task, calls):
    name, task = (task, app.signature(task)) if isinstance(task, str) else (task.name, task)
    connection = app.connection_for_write(connect_timeout=PUBLISH_TIMEOUT_SECONDS, transport_options=PUBLISH_OPTIONS)
    broker = connection.as_uri()
    if time.monotonic() < _paused_until.get(broker, 0.0):
        logger.warning("%s: %d message(s) not sent, the broker was unavailable moments ago", name, len(calls))
        return
    sent, started = 0, time.monotonic()
    try:
        with connection:
            for args in calls:
                task.apply_async(args, connection=connection, retry=False)
                sent += 1
    except (BrokerUnavailable, *connection.connection_errors) as exc:
        _paused_until[broker] = time.monotonic() + BROKER_PAUSE_SECONDS
        logger.warning("%s: %d message(s) not sent, broker unavailable (%s after %.2f s: %s); the periodic sweep "
                       "will do it", name, len(calls) - sent, type(exc).__name__, time.monotonic() - started, exc)


@signals.import_modules.connect
def refuse_to_start_unless_safe(sender=None, **kwargs):
    """Worker and beat send this before they consume or schedule anything (after Django's set-up);
    Celery re-raises an exception from it, so a failed start-up check (a missing master key) stops the process."""
    from vrm.startup import require_safe_start

    require_safe_start()
