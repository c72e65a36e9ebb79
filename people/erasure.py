"""Erasing a person: the vault shredded, every live grant ended, the account deactivated, in one transaction."""

import uuid

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user

from consents.grants import end_all_grants_for_erasure
from vrm import vault
from vrm.celery import enqueue_after_commit


def erase_person(person, *, actor, now=None):
    """Erase a person: destroy their data key at once, revoke every live grant, deactivate the account.

    The data key is deleted from the key store first and committed there at once (irreversible by
    intent; the main database's transaction cannot take it back), then the vault is marked shredded.
    After this no value sealed for the person can be opened, here or in any copy of the main
    database taken before, since such a copy never held the key. The sealed rows left behind are
    removed by purge_erased_vaults (queued after commit, and run by the periodic sweep).
    """
    now = now or timezone.now()
    with transaction.atomic():
        vault.shred_vault(person, now=now)
        end_all_grants_for_erasure(person, actor=actor, reason="account erased", now=now)
        for device in devices_for_user(person, confirmed=None):
            device.delete()
        person.is_active = False
        person.password = make_password(None)
        person.username = f"erased-{uuid.uuid4().hex}"
        person.email = person.first_name = person.last_name = ""
        person.save(update_fields=["is_active", "password", "username", "email", "first_name", "last_name"])
        enqueue_after_commit("vrm.tasks.purge_erased_vaults")  # the 5-minute beat sweep covers a broker outage
