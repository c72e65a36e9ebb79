"""The key store: each vault's data key, wrapped by a master key, in a database of its own.

A vault row names its key by a random reference (Vault.key_ref); the wrapped key lives in the key store
database (vrm/routers.py), so a backup of the main database holds no key material. Destroying a key
makes every value sealed with it unreadable, in every copy.
"""

import uuid
from datetime import timedelta

from django.db import connections, router
from django.utils import timezone

from vrm import crypto
from vrm.models import DataKey, Vault

PURGE_BATCH_SIZE = 500
# A key stored for a vault whose row did not commit is left this long before it counts as unreferenced,
# so a vault creation still in flight always finds its key.
UNREFERENCED_KEY_AGE = timedelta(days=1)


def _as_key_ref(value):
    """A key reference as a UUID, however the database returned it (plain SQL on SQLite gives hex text)."""
    return Vault._meta.get_field("key_ref").to_python(value)


def _stored_data_key(key_ref) -> crypto.WrappedKey:
    """The wrapped data key `key_ref` names: one query by primary key in the key store.

    Plain SQL, for the read path. A destroyed key (erased vault) comes back empty, which
    crypto.unwrap refuses with DecryptionError.
    """
    if key_ref is None:
        return crypto.WrappedKey(b"", "")
    connection = connections[router.db_for_read(DataKey)]
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {quote('wrapped_key')}, {quote('key_id')} FROM {quote(DataKey._meta.db_table)} "
        f"WHERE {quote('id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [DataKey._meta.pk.get_db_prep_value(key_ref, connection)])
        row = cursor.fetchone()
    return crypto.WrappedKey(bytes(row[0]), row[1]) if row else crypto.WrappedKey(b"", "")


def unwrap_for(person_id, key_ref) -> crypto.DataKey:
    """The data key `key_ref` names, unwrapped for the person; crypto.DecryptionError if it is gone or not theirs."""
    key_ref = _as_key_ref(key_ref)
    return crypto.unwrap(_stored_data_key(key_ref), person_id, key_ref)


def store_new_data_key(person) -> uuid.UUID:
    """Wrap a fresh data key for the person into the key store (committed there at once); its reference."""
    key_ref = uuid.uuid4()
    _, wrapped = crypto.new_data_key(person.pk, key_ref)
    DataKey.objects.create(id=key_ref, wrapped_key=wrapped.ciphertext, key_id=wrapped.key_id)
    return key_ref


def destroy_data_key(key_ref) -> None:
    """Delete a data key from the key store, committed there at once: irreversible by intent."""
    DataKey.objects.filter(pk=key_ref).delete()


def purge_unreferenced_data_keys(now=None, batch_size=PURGE_BATCH_SIZE) -> int:
    """Delete data keys that no vault names, stored more than a day ago; returns how many.

    The two databases share no transaction: a vault creation that rolls back after its key was
    written, or a user deleted outside erase_person (its vault row cascades), leaves a key behind
    that nothing can use. Walks the key store by id in batches, asking the main database which
    references are still named.
    """
    cutoff = (now or timezone.now()) - UNREFERENCED_KEY_AGE
    deleted, after = 0, None
    while True:
        stored = DataKey.objects.filter(created_at__lt=cutoff).order_by("id")
        if after is not None:
            stored = stored.filter(id__gt=after)
        refs = list(stored.values_list("id", flat=True)[:batch_size])
        if not refs:
            return deleted
        after = refs[-1]
        named = set(Vault.objects.filter(key_ref__in=refs).values_list("key_ref", flat=True))
        unreferenced = [ref for ref in refs if ref not in named]
        if unreferenced:
            deleted += DataKey.objects.filter(id__in=unreferenced, created_at__lt=cutoff).delete()[0]


def master_key_ids_in_use() -> set[str]:
    """Ids of the master keys that wrap stored data keys: one query over the key store's (key_id, id) index.

    Erased vaults have no data key left in the key store, so they need no master key.
    """
    return set(DataKey.objects.order_by().values_list("key_id", flat=True).distinct())
