"""record_grant_events: a batch of grant events appended and signed at once, chained exactly like single appends."""

import json

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit import signing, standalone_verify
from audit.chain import ROW_COLUMNS, entry_body_from_row
from audit.log import InvalidAuditEntry, record_grant_event, record_grant_events
from audit.models import AuditEntry, Receipt
from audit.verification import verify_chain
from tests.factories import GrantFactory
from tests.audit.test_standalone_verify import public_key, standalone  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def stored_bodies():
    return [entry_body_from_row(row) for row in AuditEntry.objects.order_by("seq").values_list(*ROW_COLUMNS)]


def without_prev(body):
    return {key: value for key, value in body.items() if key != "prev"}


def test_a_batch_is_chained_exactly_like_one_append_per_grant():
    grants = GrantFactory.create_batch(3)
    now = timezone.now()

    with transaction.atomic():
        batch = record_grant_events(grants, "changed", reason="new terms", detail={"by": "sweep"}, now=now)
    with transaction.atomic():
        singles = [
            record_grant_event(grant, "changed", reason="new terms", detail={"by": "sweep"}, now=now)
            for grant in grants
        ]

    bodies = stored_bodies()
    assert [entry.seq for entry in batch + singles] == [1, 2, 3, 4, 5, 6]
    assert [without_prev(body) for _, _, body in bodies[:3]] == [without_prev(body) for _, _, body in bodies[3:]]
    assert all(body["prev"] == bodies[i - 1][1] for i, (_, _, body) in enumerate(bodies) if i)
    assert [entry.pk for entry in batch] == list(AuditEntry.objects.filter(seq__lte=3).values_list("pk", flat=True))
    assert [entry.grant_id for entry in batch] == [grant.pk for grant in grants]
    assert verify_chain().ok


def test_a_batch_after_single_appends_verifies_offline(tmp_path, public_key):  # noqa: F811 (fixture)
    grants = GrantFactory.create_batch(4)
    with transaction.atomic():
        record_grant_event(grants[0], "created", actor=grants[0].person)
        record_grant_events(grants, "expired", reason="the grant reached its end")
        record_grant_event(grants[1], "retention_ended")
    path = tmp_path / "audit-log.jsonl"
    call_command("export_audit_log", "--output", str(path))

    result = standalone("log", str(path), "--public-key", public_key, "--json")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["verified_size"] == 6


def test_each_receipt_of_a_batch_verifies_and_versions_follow_on_per_grant():
    first, second = GrantFactory.create_batch(2)
    with transaction.atomic():
        record_grant_event(first, "created", actor=first.person)
        entries = record_grant_events([first, second, first], "changed", reason="new terms")

    receipts = {(r.grant_id, r.version): r for r in Receipt.objects.all()}
    assert sorted(receipts) == sorted([(first.pk, 1), (first.pk, 2), (first.pk, 3), (second.pk, 1)])
    for (grant_id, version), entry in zip([(first.pk, 2), (second.pk, 1), (first.pk, 3)], entries):
        receipt = receipts[grant_id, version]
        payload, kid = standalone_verify.verify_receipt(json.dumps(receipt.document()), signing.public_keys())
        assert payload["record_version"] == version and payload["event"] == "changed"
        assert payload["audit_entry"] == {"seq": entry.seq, "hash": entry.hash} and receipt.entry_seq == entry.seq
        assert kid == signing.key_id()


@pytest.mark.parametrize(
    "event, detail, error",
    [
        ("exploded", None, "unknown grant event"),
        ("changed", ["not", "a", "dict"], "detail must be a dict"),
        ("changed", {"share": 0.5}, "floats"),
    ],
)
def test_a_bad_batch_writes_nothing(event, detail, error):
    grants = GrantFactory.create_batch(3)

    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(InvalidAuditEntry, match=error), transaction.atomic():
            record_grant_events(grants, event, detail=detail)

    # Refused before any INSERT, not merely rolled back.
    assert not [query for query in queries.captured_queries if query["sql"].lstrip().upper().startswith("INSERT")]
    assert not AuditEntry.objects.exists() and not Receipt.objects.exists()


def test_an_empty_batch_records_nothing(django_assert_num_queries):
    with transaction.atomic(), django_assert_num_queries(0):
        assert record_grant_events([], "expired") == []
