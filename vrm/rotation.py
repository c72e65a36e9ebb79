"""Master key rotation: re-wrap every data key in the key store under the newest master key, batch by batch."""

from django.db import connections, router, transaction
from django.utils import timezone

from vrm import crypto
from vrm.keystore import master_key_ids_in_use
from vrm.models import DataKey

ROTATION_BATCH_SIZE = 1000


def data_keys_to_rewrap():
    """Data keys (in the key store) still wrapped by an older master key.

    Filters on the older key ids in use (the (key_id, id) index), so keys already re-wrapped
    are never scanned again.
    """
    older = master_key_ids_in_use() - {crypto.newest_key_id()}
    return DataKey.objects.filter(key_id__in=sorted(older))


def rewrap_next_batch(batch_size=ROTATION_BATCH_SIZE, now=None) -> int:
    """Re-wrap up to batch_size data keys under the newest master key; returns how many (0 = done).

    Works on the key store alone. Each batch is one key store transaction (one locking read, one
    batched update), so an interrupted rotation resumes where it stopped. Raises
    crypto.DecryptionError if a key's master key is not loaded (and the batch changes nothing).
    """
    now = now or timezone.now()
    using = router.db_for_write(DataKey)
    with transaction.atomic(using=using):
        batch = list(
            data_keys_to_rewrap()
            .select_for_update()
            .order_by("key_id", "id")
            .values_list("id", "wrapped_key", "key_id")[:batch_size]
        )
        rewrapped = [
            (key_ref, crypto.rewrap(crypto.WrappedKey(bytes(wrapped_key), key_id), key_ref))
            for key_ref, wrapped_key, key_id in batch
        ]
        _save_rewrapped(connections[using], rewrapped, now)
    return len(batch)


def _save_rewrapped(connection, rewrapped, now):
    """One UPDATE statement sent for many rows (executemany): Django's bulk_update builds a CASE per row."""
    quote = connection.ops.quote_name
    field = DataKey._meta.get_field
    sql = (
        f"UPDATE {quote(DataKey._meta.db_table)} SET {quote('wrapped_key')} = %s, {quote('key_id')} = %s, "
        f"{quote('rewrapped_at')} = %s WHERE {quote('id')} = %s"
    )
    rewrapped_at = field("rewrapped_at").get_db_prep_value(now, connection)
    with connection.cursor() as cursor:
        cursor.executemany(sql, [
            (
                field("wrapped_key").get_db_prep_value(wrapped.ciphertext, connection),
                wrapped.key_id,
                rewrapped_at,
                field("id").get_db_prep_value(key_ref, connection),
            )
            for key_ref, wrapped in rewrapped
        ])
