"""kombu's Redis transport, made to survive a broker restart while the worker holds unacknowledged messages.

When the connection drops, Celery collects the broken connection and then closes it. Collecting detaches the
transport from its connection (``transport.client = None``) but can leave the channel open; closing the channel
afterwards tries to put the unacknowledged messages back, which needs a Redis client built from that connection,
and kombu 5.7 raises ``AttributeError: 'NoneType' object has no attribute 'hostname'``. Celery treats that as
unrecoverable and the worker exits.

Nothing could be put back at that moment anyway: the broker is unreachable. The messages are still in Redis's
unacknowledged set, and kombu restores them to their queue once the visibility timeout passes (any worker does
that on its own). So a channel whose connection is already gone closes without the restore, and the worker
carries on reconnecting. Selected by CELERY_BROKER_TRANSPORT for redis:// brokers (vrm/settings.py).
"""

from kombu.transport import redis


class Channel(redis.Channel):
    def close(self):
        if self.connection is not None and self.connection.client is None:
            self.do_restore = False  # the broker is gone; the visibility timeout brings the messages back
        super().close()


class Transport(redis.Transport):
    Channel = Channel
