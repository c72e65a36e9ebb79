"""Raw SQL against the audit table, as an operator with database access could run it (for tamper tests)."""

from django.db import connection, transaction


def tamper(*statements):
    """Run statements past the ORM guard; on PostgreSQL also past the trigger (superuser replica mode)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        for statement in statements:
            cursor.execute(statement)
