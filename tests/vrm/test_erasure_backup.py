"""A copy of the main database taken before erasure cannot be decrypted afterwards.

The main database holds no key material: each vault only names its data key, which lives in
the key store (a database of its own). Erasure deletes the key there. A real copy of the main
database taken before the erasure (SQLite's online backup, or pg_dump restored into a new
PostgreSQL database) still holds the sealed values and the key reference, but with everything
the system still holds (every master key loaded, the live key store) they open no more.
"""

import base64
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections

from people.erasure import erase_person
from tests.factories import PersonFactory
from vrm import crypto, vault
from vrm.models import DataKey, Vault

pytestmark = pytest.mark.django_db(transaction=True)

OLD = base64.urlsafe_b64encode(b"\x11" * 32).decode()
NEW = base64.urlsafe_b64encode(b"\x22" * 32).decode()
VALUES_OF_PERSON = (
    "SELECT k.key_ref, v.attribute_id, a.key, v.sealed_value FROM vrm_profilevalue v "
    "JOIN vrm_attributedefinition a ON a.id = v.attribute_id JOIN vrm_vault k ON k.id = v.vault_id "
    "WHERE k.person_id = %s ORDER BY v.attribute_id"
)


@dataclass
class Copy:
    """A copy of one database: its bytes as stored (to scan) and its rows (to query)."""

    stored: bytes
    query: object

    def sealed_values_of(self, person):
        rows = self.query(VALUES_OF_PERSON, [person.pk])
        return [(uuid.UUID(str(ref)), attribute_id, key, bytes(sealed)) for ref, attribute_id, key, sealed in rows]


def sqlite_copy(alias, path):
    """SQLite's online backup API: a consistent copy of the live file, as a backup tool takes it."""
    live = connections[alias]
    live.ensure_connection()
    target = sqlite3.connect(path)
    live.connection.backup(target)
    target.close()

    def query(sql, params):
        with sqlite3.connect(path) as copy:
            return copy.execute(sql.replace("%s", "?"), params).fetchall()

    return Copy(Path(path).read_bytes(), query)


@pytest.fixture
def take_copy(tmp_path):
    """take_copy(alias): a real copy of that test database now (pg_dump restored into a new database on PostgreSQL)."""
    created = []

    def take(alias="default"):
        path = tmp_path / f"{alias}-copy-{len(created)}"
        if connections[alias].vendor == "sqlite":
            created.append(None)
            return sqlite_copy(alias, path)
        import psycopg

        conf = connections[alias].settings_dict
        server = ["-h", conf["HOST"] or "127.0.0.1", "-p", str(conf["PORT"] or 5432), "-U", conf["USER"] or "postgres"]
        copy_name = f"{conf['NAME']}_copy_{len(created)}"
        subprocess.run(["pg_dump", *server, "--no-owner", "-f", str(path), conf["NAME"]], check=True)
        subprocess.run(["createdb", *server, copy_name], check=True)
        created.append((server, copy_name))
        subprocess.run(["psql", *server, "-q", "-v", "ON_ERROR_STOP=1", "-d", copy_name, "-f", str(path)],
                       check=True, capture_output=True)

        def query(sql, params):
            with psycopg.connect(host=server[1], port=server[3], user=server[5], password=conf["PASSWORD"] or None,
                                 dbname=copy_name) as copy:
                return copy.execute(sql, params).fetchall()

        return Copy(path.read_bytes(), query)

    yield take
    for server, copy_name in filter(None, created):
        subprocess.run(["dropdb", *server, "--if-exists", "--force", copy_name], check=True)


def open_with_live_key_store(sealed_values, person):
    """Open copied values the way the system would: the data key their reference names, from the live key store."""
    opened = {}
    for key_ref, attribute_id, key, sealed in sealed_values:
        stored = DataKey.objects.filter(pk=key_ref).first()
        wrapped = crypto.WrappedKey(bytes(stored.wrapped_key), stored.key_id) if stored else crypto.WrappedKey(b"", "")
        data_key = crypto.unwrap(wrapped, person.pk, key_ref)
        opened[key] = data_key.open(sealed, f"profile:{attribute_id}:{key}").decode()
    return opened


def wrapped_key_bytes(person):
    stored = DataKey.objects.get(pk=Vault.objects.get(person=person).key_ref)
    return bytes(stored.wrapped_key)


def test_a_copy_of_the_main_database_taken_before_erasure_cannot_be_decrypted_afterwards(settings, take_copy):
    settings.VRM_MASTER_KEYS = [NEW, OLD]
    person = PersonFactory()
    vault.update_profile(person, category="identity", values={"given_name": "Ada", "family_name": "Lovelace"})
    copy = take_copy()
    in_copy = copy.sealed_values_of(person)
    assert open_with_live_key_store(in_copy, person) == {"given_name": "Ada", "family_name": "Lovelace"}

    erase_person(person, actor=person)

    # Everything the system still holds: both master keys loaded, the live key store.
    with pytest.raises(crypto.DecryptionError, match="destroyed"):
        open_with_live_key_store(in_copy, person)
    # No other key in the key store opens the copied values either.
    for other in DataKey.objects.all():
        with pytest.raises(crypto.DecryptionError):
            data_key = crypto.unwrap(crypto.WrappedKey(bytes(other.wrapped_key), other.key_id), person.pk, other.id)
            data_key.open(in_copy[0][3], f"profile:{in_copy[0][1]}:{in_copy[0][2]}")


def test_a_copy_of_the_main_database_holds_no_key_material(settings, take_copy):
    settings.VRM_MASTER_KEYS = [OLD]
    people = PersonFactory.create_batch(3)
    for person in people:
        vault.update_profile(person, category="identity", values={"given_name": "Ada"})
    wrapped_keys = [wrapped_key_bytes(person) for person in people]

    copy = take_copy()

    assert len(set(wrapped_keys)) == 3 and all(len(wrapped) > 32 for wrapped in wrapped_keys)
    for wrapped in wrapped_keys:
        # As raw bytes (SQLite blobs) and as the hex text pg_dump writes for bytea.
        assert wrapped not in copy.stored and wrapped.hex().encode() not in copy.stored
        assert wrapped[-16:] not in copy.stored and wrapped[-16:].hex().encode() not in copy.stored
    assert b"vrm_datakey" not in copy.stored


def test_other_people_in_the_same_copy_stay_readable_with_the_live_key_store(settings, take_copy):
    settings.VRM_MASTER_KEYS = [OLD]
    erased, kept = PersonFactory(), PersonFactory()
    vault.update_profile(erased, category="identity", values={"given_name": "Ada"})
    vault.update_profile(kept, category="identity", values={"given_name": "Grace"})
    copy = take_copy()

    erase_person(erased, actor=erased)

    assert open_with_live_key_store(copy.sealed_values_of(kept), kept) == {"given_name": "Grace"}
    with pytest.raises(crypto.DecryptionError, match="destroyed"):
        open_with_live_key_store(copy.sealed_values_of(erased), erased)


def test_a_key_store_copy_from_before_erasure_opens_nothing_once_the_master_key_is_rotated(settings, take_copy, tmp_path):
    settings.VRM_MASTER_KEYS = [OLD]
    person = PersonFactory()
    vault.update_profile(person, category="identity", values={"given_name": "Ada"})
    in_main_copy = take_copy().sealed_values_of(person)
    key_ref = in_main_copy[0][0]
    field = DataKey._meta.pk
    key_store_copy = take_copy("keystore").query(
        "SELECT wrapped_key, key_id FROM vrm_datakey WHERE id = %s",
        [field.get_db_prep_value(key_ref, connections["keystore"])],
    )
    wrapped_in_key_store_copy = crypto.WrappedKey(bytes(key_store_copy[0][0]), key_store_copy[0][1])
    erase_person(person, actor=person)
    settings.VRM_MASTER_KEYS = [NEW, OLD]

    call_command("rotate_master_key", stdout=open(tmp_path / "out", "w"))
    settings.VRM_MASTER_KEYS = [NEW]

    with pytest.raises(crypto.DecryptionError, match="not loaded"):
        crypto.unwrap(wrapped_in_key_store_copy, person.pk, key_ref)
