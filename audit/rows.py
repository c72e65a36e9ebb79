"""Inserting rows of the append-only models (audit entries, receipts) in batches, by plain SQL.

Plain SQL built once per model: Django's bulk_create on PostgreSQL sends arrays for UNNEST, whose
client-side quoting cost more than the INSERT; a large batch goes by COPY.
"""

from functools import cache

from django.db import connection

# Rows per multi-row INSERT: at 16 parameters a row, far below PostgreSQL's and SQLite's limits.
INSERT_ROWS = 500
# Batches (a sweep's) reach PostgreSQL by COPY; a single row (a request's own entry) by one INSERT.
COPY_ROWS = 2


@cache
def _insert_sql(model, key, vendor):
    """(INSERT up to VALUES, one row's placeholders, RETURNING clause, inserted fields) for model here.

    A primary key the database generates comes back with ``key``, a unique column
    the caller already knows, to match rows without relying on RETURNING's order
    (with no key, for a single row).
    """
    quote = connection.ops.quote_name
    pk = model._meta.pk
    fields = tuple(field for field in model._meta.concrete_fields if not (field.primary_key and pk.db_returning))
    insert = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) VALUES "
    row = f"({', '.join(['%s'] * len(fields))})"
    returned = [quote(pk.column)] + ([quote(key)] if key else [])
    returning = f" RETURNING {', '.join(returned)}" if pk.db_returning else ""
    return insert, row, returning, fields


# Field types whose Python values psycopg takes as they are (str, int, bool, UUID, aware datetime):
# get_db_prep_save would return them unchanged, at a cost that showed in a sweep's profile. SQLite's
# adapter needs Django's preparation (UUIDs as hex, datetimes as text).
AS_IS_ON_POSTGRESQL = {
    "CharField", "TextField", "BooleanField", "UUIDField", "DateTimeField", "IntegerField", "BigIntegerField",
    "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField",
}


@cache
def _preparers(fields, vendor):
    """(attname, get_db_prep_save or None for a value taken as it is) for each of these fields here."""
    as_is = AS_IS_ON_POSTGRESQL if vendor == "postgresql" else set()
    return tuple(
        (field.attname, None if field.get_internal_type() in as_is else field.get_db_prep_save) for field in fields
    )


def _db_values(obj, preparers):
    values = obj.__dict__
    return [values[name] if prepare is None else prepare(values[name], connection) for name, prepare in preparers]


def _copy_rows(model, objs, fields, key, by_key):
    """PostgreSQL's COPY for a large batch (a sweep's): the rows stream without an SQL text to build and
    parse, which the multi-row INSERT spent most of its time on. Generated keys are read back by `key`."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    preparers = _preparers(fields, connection.vendor)
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(quote(field.column) for field in fields)}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row(_db_values(obj, preparers))
        if by_key:
            cursor.execute(
                f"SELECT {quote(model._meta.pk.column)}, {quote(key)} FROM {table} WHERE {quote(key)} = ANY(%s)",
                [list(by_key)],
            )
            for pk, value in cursor.fetchall():
                by_key[value].pk = pk


def insert_rows(objs, *, key=None):
    """Insert unsaved instances of one append-only model with multi-row INSERTs; returns them, saved.

    Plain SQL built once per model: Django's bulk_create on PostgreSQL sends
    arrays for UNNEST, whose client-side quoting cost more than the INSERT.
    ``key`` (a unique field already set) matches the primary keys the database
    generates to their rows; a model whose keys the caller sets needs none, nor
    does a single row.
    """
    if not objs:
        return objs
    model = type(objs[0])
    insert, row, returning, fields = _insert_sql(model, key, connection.vendor)
    if returning and key is None and len(objs) != 1:
        raise ValueError("several rows with generated keys need a key to match them by")
    by_key = {getattr(obj, key): obj for obj in objs} if returning and key else {}
    if connection.vendor == "postgresql" and len(objs) >= COPY_ROWS:
        _copy_rows(model, objs, fields, key, by_key)
    else:
        preparers = _preparers(fields, connection.vendor)
        for start in range(0, len(objs), INSERT_ROWS):
            chunk = objs[start:start + INSERT_ROWS]
            with connection.cursor() as cursor:
                cursor.execute(insert + ", ".join([row] * len(chunk)) + returning,
                               [value for obj in chunk for value in _db_values(obj, preparers)])
                returned = cursor.fetchall() if returning else ()
            if returning and key is None:
                chunk[0].pk = returned[0][0]  # a single row
            for pk, value in returned if key else ():
                by_key[value].pk = pk
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
    return objs
