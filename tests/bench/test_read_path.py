"""bench.read_path's diagnostic switch: synchronous_commit off for new connections to the bench database, then back."""

import pytest
from django.db import connection

from bench.read_path import set_synchronous_commit

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="synchronous_commit is a PostgreSQL setting"),
]


def synchronous_commit_of_a_new_connection():
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_the_diagnostic_turns_synchronous_commit_off_for_new_connections_and_resets_it():
    set_synchronous_commit(False)
    during = synchronous_commit_of_a_new_connection()
    set_synchronous_commit(True)

    assert (during, synchronous_commit_of_a_new_connection()) == ("off", "on")
