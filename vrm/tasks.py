import os
import secrets

from celery import shared_task

from vrm import keystore, vault
from vrm.models import Heartbeat


@shared_task
def record_heartbeat(token=None):
    """Record that a worker ran a task; the same token twice leaves one row."""
    Heartbeat.objects.get_or_create(token=token or secrets.token_hex(16), defaults={"worker_pid": os.getpid()})


@shared_task
def purge_erased_vaults():
    """Remove the sealed rows left in erased vaults (their keys are already destroyed); idempotent."""
    return vault.purge_erased_vaults()


@shared_task
def purge_expired_vault_records():
    """Delete vendor-written records whose retention has ended; idempotent."""
    return vault.purge_expired_records()


@shared_task
def purge_unreferenced_data_keys():
    """Delete data keys in the key store that no vault names any more; idempotent."""
    return keystore.purge_unreferenced_data_keys()
