"""Grant decision cost: the request-time check, and whether it grows with the grants a person or a vendor has.

    .venv/bin/python -m bench.grant_decision            (or: make bench-grants)

The decision is what the vendor API runs before any view body: the bearer
token's authentication (vendors.api.authentication.BearerTokenAuthentication,
DOT + vendors.oauth) and the grant check (vendors.api.permissions.GrantPermission:
grant active, not expired, scope covered). It is timed in process, call by call,
for the same token while the tables around it grow: a person with 10, then 1,000
grants; a vendor client with 1,000, then 100,000 grants (each grant with its
access token, bulk-inserted). Prints a table; asserts nothing about time.
"""

import argparse
import gc

from bench import harness


def decision_timer(raw_token):
    """A function that runs one full request-time decision for `raw_token` and returns its duration."""
    import time

    from django.test import RequestFactory
    from rest_framework.request import Request

    from vendors.api.authentication import BearerTokenAuthentication
    from vendors.api.permissions import GrantPermission
    from vendors.api.views import ProfileView

    factory, view, permission = RequestFactory(SERVER_NAME="127.0.0.1"), ProfileView(), GrantPermission()

    def once():
        request = Request(factory.get("/api/v1/profile", HTTP_AUTHORIZATION=f"Bearer {raw_token}"),
                          authenticators=[BearerTokenAuthentication()])
        started = time.perf_counter()
        request.user  # noqa: B018 (runs the authentication)
        allowed = permission.has_permission(request, view)
        elapsed = time.perf_counter() - started
        if not allowed or request.grant is None:
            raise SystemExit("the decision refused the benchmark's token")
        return elapsed

    return once


def measure(raw_token, samples):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    once = decision_timer(raw_token)
    for _ in range(200):  # warm-up
        once()
    with CaptureQueriesContext(connection) as captured:
        once()
    gc.collect()
    durations = [once() for _ in range(samples)]
    return durations, len(captured.captured_queries)


def analyze():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def token_plan(raw_token):
    from vendors.models import AccessToken
    from vendors.oauth import checksum

    query = AccessToken.objects.select_related("application", "user", "consent").filter(token_checksum=checksum(raw_token))
    return " / ".join(line.strip() for line in query.explain().splitlines())


def main(argv=None):
    parser = argparse.ArgumentParser(description="Grant decision cost against the number of grants.")
    parser.add_argument("--samples", type=int, default=3000, help="timed decisions per case (default 3000)")
    parser.add_argument("--vendor-grants", type=int, default=100_000, help="largest vendor case (default 100000)")
    args = parser.parse_args(argv)

    harness.setup()
    from consents.models import Grant
    from bench.seed import bulk_clients, bulk_grants, bulk_people, make_client, mint_token, seed_reader
    from vendors.models import AccessToken

    machine = harness.machine()
    rows, medians = [], {}

    def record(case, raw_token):
        analyze()
        durations, queries = measure(raw_token, args.samples)
        median, p99 = harness.summary_us(durations)
        medians[case] = sorted(durations)[len(durations) // 2]
        rows.append([case, median, p99, queries, f"{Grant.objects.count():,}", f"{AccessToken.objects.count():,}"])

    # A person's grants: one measured grant (with its token) plus grants to other clients of one vendor.
    reader = seed_reader()
    others = bulk_clients(reader.client, 999, "other-client")
    bulk_grants([(reader.person.pk, client_id) for client_id in others[:9]])
    record("person with 10 grants", reader.token)
    bulk_grants([(reader.person.pk, client_id) for client_id in others[9:]])
    record("person with 1,000 grants", reader.token)

    # A vendor client's grants: one person per grant (one live grant per person and client).
    vendor_client = make_client("Big Vendor")
    people = bulk_people(args.vendor_grants, "crowd")
    bulk_grants([(person_id, vendor_client.pk) for person_id in people[:1000]])
    measured = Grant.objects.filter(client=vendor_client).order_by("created_at", "id").first()
    vendor_token = mint_token(measured)
    record("vendor client with 1,000 grants", vendor_token)
    bulk_grants([(person_id, vendor_client.pk) for person_id in people[1000:]])
    record(f"vendor client with {args.vendor_grants:,} grants", vendor_token)
    plan = token_plan(vendor_token)

    print(f"\nMachine: {machine}")
    harness.print_table(
        "Grant decision (token authentication + grant check), in process, per request",
        ["case", "median µs", "p99 µs", "SQL statements", "grants in table", "access tokens in table"],
        rows,
    )
    person_ratio = medians["person with 1,000 grants"] / medians["person with 10 grants"]
    vendor_ratio = medians[f"vendor client with {args.vendor_grants:,} grants"] / medians["vendor client with 1,000 grants"]
    print(f"\nRatio of medians, person 1,000 / 10 grants: {person_ratio:.2f}")
    print(f"Ratio of medians, vendor {args.vendor_grants:,} / 1,000 grants: {vendor_ratio:.2f}")
    print(f"Plan of the token lookup at {args.vendor_grants:,} grants: {plan}")


if __name__ == "__main__":
    main()
