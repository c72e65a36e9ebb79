"""A copy of the database taken before erasure cannot be decrypted afterwards.

Erasure destroys the person's data key in the live database at once. A copy taken
before still holds that key wrapped by the master key of the day, so the promise for
copies is kept by key rotation: once the master key is rotated and the old one retired
(the documented procedure after erasures), the copy's wrapped key opens with nothing the
system holds. Both steps are shown here on a real copy of the database.
"""

import base64
import sqlite3

import pytest
from django.core.management import call_command
from django.db import connection

from tests.vrm.factories import PersonFactory
from vrm import crypto, vault

pytestmark = pytest.mark.django_db(transaction=True)

OLD = base64.urlsafe_b64encode(b"\x11" * 32).decode()
NEW = base64.urlsafe_b64encode(b"\x22" * 32).decode()


def copy_of_person_rows(person, tmp_path):
    """The vault row and sealed values as a copy of the database holds them (a file copy on SQLite)."""
    query_vault = "SELECT wrapped_key, key_id FROM vrm_vault WHERE person_id = %s"
    query_values = (
        "SELECT v.attribute_id, a.key, v.sealed_value FROM vrm_profilevalue v "
        "JOIN vrm_attributedefinition a ON a.id = v.attribute_id JOIN vrm_vault k ON k.id = v.vault_id "
        "WHERE k.person_id = %s"
    )
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        backup = sqlite3.connect(tmp_path / "before-erasure.sqlite3")
        connection.connection.backup(backup)
        rows = backup.execute(query_vault.replace("%s", "?"), [person.pk]).fetchone()
        values = backup.execute(query_values.replace("%s", "?"), [person.pk]).fetchall()
        backup.close()
    else:
        with connection.cursor() as cursor:
            cursor.execute(query_vault, [person.pk])
            rows = cursor.fetchone()
            cursor.execute(query_values, [person.pk])
            values = cursor.fetchall()
    wrapped = crypto.WrappedKey(bytes(rows[0]), rows[1])
    return wrapped, [(attribute_id, key, bytes(sealed)) for attribute_id, key, sealed in values]


def open_with(wrapped, values, person):
    data_key = crypto.unwrap(wrapped, person.pk)
    return {key: data_key.open(sealed, f"profile:{attribute_id}:{key}").decode() for attribute_id, key, sealed in values}


def test_a_copy_taken_before_erasure_cannot_be_decrypted_after_erasure_and_rotation(settings, tmp_path):
    settings.VRM_MASTER_KEYS = [OLD]
    person = PersonFactory()
    vault.update_profile(person, category="identity", values={"given_name": "Ada", "family_name": "Lovelace"})
    wrapped_in_copy, values_in_copy = copy_of_person_rows(person, tmp_path)
    assert open_with(wrapped_in_copy, values_in_copy, person) == {"given_name": "Ada", "family_name": "Lovelace"}

    vault.erase_person(person, actor=person)

    # At once: the live database has no key for the copied values.
    live = vault.Vault.objects.get(person=person)
    with pytest.raises(crypto.DecryptionError, match="destroyed"):
        open_with(crypto.WrappedKey(b"", live.key_id), values_in_copy, person)
    # After the rotation that follows erasures, the copy's own wrapped key opens with nothing we hold.
    settings.VRM_MASTER_KEYS = [NEW, OLD]
    call_command("rotate_master_key", "--json", stdout=open(tmp_path / "out", "w"), stderr=open(tmp_path / "err", "w"))
    settings.VRM_MASTER_KEYS = [NEW]
    with pytest.raises(crypto.DecryptionError, match="not loaded"):
        open_with(wrapped_in_copy, values_in_copy, person)


def test_other_people_in_the_same_copy_stay_readable_after_the_rotation(settings, tmp_path):
    settings.VRM_MASTER_KEYS = [OLD]
    erased, kept = PersonFactory(), PersonFactory()
    vault.update_profile(erased, category="identity", values={"given_name": "Ada"})
    vault.update_profile(kept, category="identity", values={"given_name": "Grace"})
    vault.erase_person(erased, actor=erased)
    settings.VRM_MASTER_KEYS = [NEW, OLD]

    call_command("rotate_master_key", stdout=open(tmp_path / "out", "w"))
    settings.VRM_MASTER_KEYS = [NEW]

    assert vault.read_profile(kept, ["identity"]) == {"identity": {"given_name": "Grace"}}
