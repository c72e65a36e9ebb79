"""The shape every periodic sweep shares: in one transaction, lock a batch of due rows, handle them, commit;
repeat until none is due.

Due rows are picked with an indexed query and locked with SKIP LOCKED on PostgreSQL, so two workers take
different rows; `handle` re-checks the state it changes, so a batch either commits whole or not at all and
a second run (or a second worker) finds nothing left to do.
"""

from django.db import connection, transaction

BATCH_SIZE = 500


def lock_batch(queryset, batch_size):
    """Ids of up to batch_size rows of queryset, locked for this transaction (skipping rows others hold)."""
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True)
    return list(queryset.values_list("pk", flat=True)[:batch_size])


def sweep(due, handle, *, batch_size=BATCH_SIZE, max_batches=None):
    """Call handle(ids) for batches of `due` (a queryset re-read for each batch), each inside the transaction
    that locked it, until nothing is due or `max_batches` ran. Returns how many rows were handled."""
    total = batches = 0
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            ids = lock_batch(due, batch_size)
            if not ids:
                break
            handle(ids)
        total += len(ids)
        batches += 1
    return total
