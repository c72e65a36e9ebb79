"""The person's connections dashboard: SQL statements and server time per page with 10 and 500 grants.

    .venv/bin/python -m bench.dashboard [--requests N]            (or: make bench-dashboard)

A person is seeded with 10, then 500 grants (one per vendor client, bulk-inserted), each with some access
history (vendor reads appended to the audit chain with the audit module's own encoding, as bench.audit_log
does). Django's test Client, logged in as that person, requests in process `GET /connections/` and one
grant's page `GET /connections/<id>/`: the statements one request runs (CaptureQueriesContext) and the time
of each of N requests, median and p99. Runs on its own database (vrm_bench_dashboard unless
BENCH_DATABASE_URL says otherwise). Prints a table; asserts nothing about time.
"""

import argparse
import gc
import os
import tempfile
from contextlib import contextmanager

from bench import harness

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/vrm_bench_dashboard"
CASES = (10, 500)


def add_grants(person, template, count, reads_per_grant):
    """Grants of `person` to `count` new clients of the template's vendor, each with `reads_per_grant` reads."""
    from audit.models import AuditEntry
    from bench.audit_log import extend_chain
    from bench.seed import bulk_clients, bulk_grants
    from consents.models import Grant

    clients = bulk_clients(template, count, f"dashboard-{Grant.objects.count()}")
    bulk_grants([(person.pk, client_id) for client_id in clients], with_tokens=False)
    size = AuditEntry.objects.count()
    for grant in Grant.objects.filter(person=person, client_id__in=clients):
        size += reads_per_grant
        extend_chain(size, grant)


def measure(client, url, requests):
    """(SQL statements of one request, durations of `requests` more) for GET url."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")

    for _ in range(10):  # warm-up
        get()
    with CaptureQueriesContext(connection) as captured:
        get()
    gc.collect()
    return len(captured.captured_queries), harness.time_calls(get, requests)


@contextmanager
def collected_static():
    """Static files collected into a temporary STATIC_ROOT, as a deployment does (DEBUG off serves pages
    through the manifest storage, which needs them)."""
    from django.core.management import call_command
    from django.test import override_settings

    with tempfile.TemporaryDirectory() as static_root, override_settings(STATIC_ROOT=static_root):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield


def main(argv=None):
    parser = argparse.ArgumentParser(description="Connections dashboard: statements and server time per page.")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page and case (default 200)")
    parser.add_argument("--reads", type=int, default=20, help="vendor reads in each grant's history (default 20)")
    args = parser.parse_args(argv)

    os.environ.setdefault("BENCH_DATABASE_URL", DATABASE_URL)
    harness.setup()
    from django.test import Client

    from bench.seed import make_client, make_person

    machine = harness.machine()
    person = make_person("bench-dashboard")
    template = make_client("Dashboard Vendor")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(person)
    rows = []
    with collected_static():
        for count in CASES:
            rows.extend(measure_case(client, person, template, count, args))

    print(f"\nMachine: {machine}")
    harness.print_table(
        f"Connections dashboard, in process (Django test Client), {args.requests} requests per row",
        ["person has", "page", "SQL statements", "median µs", "p99 µs", "audit entries in table"],
        rows,
    )


def measure_case(client, person, template, count, args):
    """Bring the person's grants up to `count`, then measure both pages."""
    from django.db import connection

    from audit.models import AuditEntry
    from consents.models import Grant

    add_grants(person, template, count - Grant.objects.filter(person=person).count(), args.reads)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    grant = Grant.objects.filter(person=person).order_by("created_at", "id").first()
    rows = []
    for page, url in (("`GET /connections/`", "/connections/"), ("`GET /connections/<id>/`", f"/connections/{grant.pk}/")):
        statements, durations = measure(client, url, args.requests)
        median, p99 = harness.summary_us(durations)
        rows.append([f"{count} grants", page, statements, median, p99, f"{AuditEntry.objects.count():,}"])
    return rows


if __name__ == "__main__":
    main()
