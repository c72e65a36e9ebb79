"""Start-up safety: no process serves or works unless it holds every master key that wraps a stored data key.

What settings alone can see is refused by settings, for every entry point: a
missing secret, and with DEBUG off an embedded default nobody opted in to
(VRM_ALLOW_EMBEDDED). What needs the database is checked here, by
`require_safe_start`, the one function every serving entry point calls before
it does anything: the web processes (vrm/wsgi.py, vrm/asgi.py), the Celery
worker and beat (vrm/celery.py); `manage.py` commands (runserver, migrate, the
audit sequencer, ...) run the same check as the system check registered in
vrm/apps.py. A wrong master key (VRM_MASTER_KEYS without the key that wrapped
the stored data keys) would otherwise only show on the first read. The checks
only read.
"""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections, router

from vrm import crypto, keystore
from vrm.models import DataKey


class MasterKeysMissing(ImproperlyConfigured):
    """Stored data keys are wrapped by master keys that VRM_MASTER_KEYS does not hold."""


def missing_master_key_ids() -> list[str]:
    """Ids of master keys that wrap stored data keys but are not loaded (sorted; empty when all is well).

    Reads the key store, where the wrapped data keys live. Raises ImproperlyConfigured for a malformed
    VRM_MASTER_KEYS and DatabaseError if the key store cannot be read. A key store not yet migrated
    holds no data keys.
    """
    loaded = set(crypto.master_keys())
    connection = connections[router.db_for_read(DataKey)]
    if DataKey._meta.db_table not in connection.introspection.table_names():
        return []
    return sorted(keystore.master_key_ids_in_use() - loaded)


def refusal_message(missing) -> str:
    return (
        f"VRM_MASTER_KEYS does not hold the master key(s) {', '.join(missing)} that wrap stored data keys, "
        "so their vaults could not be read. Refusing to start; nothing was written. Put the missing key(s) "
        "back into VRM_MASTER_KEYS (newest first; older keys may follow until `rotate_master_key` has run)."
    )


def require_master_keys() -> None:
    """Raise MasterKeysMissing (naming the key ids) unless every master key in use is loaded.

    Closes the connections it opened, so a process that forks afterwards (gunicorn, a prefork
    worker) never shares a database socket with its children.
    """
    try:
        missing = missing_master_key_ids()
    finally:
        connections.close_all()
    if missing:
        raise MasterKeysMissing(refusal_message(missing))


def check_master_keys(app_configs=None, **kwargs):
    """System check (run by `manage.py check`, runserver, migrate and other commands): keys in use are loaded."""
    try:
        missing = missing_master_key_ids()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="vrm.E002")]
    except DatabaseError as error:
        # `check` may run where no database is reachable (a build step); the processes that serve
        # (wsgi, asgi, worker, beat) call require_safe_start, which refuses in that case.
        return [checks.Warning(f"Could not verify the master keys against stored vaults: {error}", id="vrm.W001")]
    if missing:
        return [
            checks.Error(
                refusal_message(missing),
                hint="Without these keys the vaults they wrap cannot be decrypted.",
                id="vrm.E001",
            )
        ]
    return []


def require_safe_start() -> None:
    """Every start-up check that needs the database; raises (an ImproperlyConfigured) when one fails."""
    require_master_keys()
