"""Move every vault's wrapped data key from the main database into the key store.

Runs on the main database (the router skips it on the key store), so the key store must be
migrated first: `manage.py migrate --database keystore`, then `manage.py migrate`. Each key is
re-bound to a new random reference and wrapped under the newest master key; sealed values are
not touched. Irreversible: the next migration drops the keys from the main database.
"""

import uuid

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, migrations

from vrm import crypto

KEYSTORE = "keystore"


def move_data_keys(apps, schema_editor):
    Vault = apps.get_model("vrm", "Vault")
    DataKey = apps.get_model("vrm", "DataKey")
    vaults = Vault.objects.using(schema_editor.connection.alias).filter(wrapped_key__isnull=False, key_ref__isnull=True)
    if not vaults.exists():
        return
    if DataKey._meta.db_table not in connections[KEYSTORE].introspection.table_names():
        raise ImproperlyConfigured(
            "The key store is not migrated yet: run `manage.py migrate --database keystore` first, then migrate again."
        )
    for vault in vaults.iterator(chunk_size=1000):
        key_ref = uuid.uuid4()
        wrapped = crypto.rebind(crypto.WrappedKey(bytes(vault.wrapped_key), vault.key_id), vault.person_id, key_ref)
        DataKey.objects.using(KEYSTORE).create(id=key_ref, wrapped_key=wrapped.ciphertext, key_id=wrapped.key_id)
        vault.key_ref = key_ref
        vault.save(update_fields=["key_ref"])


class Migration(migrations.Migration):
    dependencies = [
        ("vrm", "0004_datakey_vault_key_ref"),
    ]

    operations = [
        migrations.RunPython(move_data_keys, migrations.RunPython.noop, elidable=False),
    ]
