"""The auditor's rights pages: filters, the per-vendor compliance view, and exports of codes and dates only."""

import csv
import io
import json
from datetime import timedelta

import pytest

from rights import services
from tests.factories import AuditorFactory, make_client, make_grant
from tests.rights.helpers import FILED_AT, file

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(person, client):
    """Sextant: one answered on time, one refused late, one overdue. Lantern: one pending under the CCPA."""
    sextant, _ = make_client()
    sextant.vendor.name = "Sextant"
    sextant.vendor.save()
    grant = make_grant(person=person, client=sextant)
    on_time, late, overdue = (file(person, grant, details="my secret note") for _ in range(3))
    services.respond(on_time.pk, client=sextant, outcome="answered", attachment={"x": 1},
                     now=FILED_AT + timedelta(days=4))
    services.run_clocks(now=FILED_AT + timedelta(days=40))
    services.respond(late.pk, client=sextant, outcome="refused", reason="vendor secret reason",
                     now=FILED_AT + timedelta(days=41))
    lantern_grant = make_grant(person=person, vendor_name="Lantern")
    file(person, lantern_grant, jurisdiction="US-CA", kind="deletion", now=FILED_AT + timedelta(days=41))
    services.run_clocks(now=FILED_AT + timedelta(days=42))
    client.force_login(AuditorFactory())
    return {"overdue": overdue}


def test_the_compliance_view_counts_on_time_late_overdue_and_the_median(client, world):
    response = client.get("/audit/rights/compliance/?export=jsonl")

    rows = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert rows == [
        {"vendor": "Lantern", "requests": 1, "on_time": 0, "late": 0, "overdue": 0, "pending": 1,
         "median_days_to_respond": None},
        {"vendor": "Sextant", "requests": 3, "on_time": 1, "late": 1, "overdue": 1, "pending": 0,
         "median_days_to_respond": 22.5},
    ]
    page = client.get("/audit/rights/compliance/").content.decode()
    assert "Sextant" in page and "22.5" in page


def test_requests_filter_by_status_kind_and_jurisdiction(client, world):
    overdue = client.get("/audit/rights/?status=overdue").content.decode()
    ccpa = client.get("/audit/rights/?jurisdiction=US-CA&kind=deletion").content.decode()

    assert str(world["overdue"].filed_at)[:10] in overdue and "1 request;" in overdue
    assert "1 request;" in ccpa and "<td>Lantern</td>" in ccpa and "<td>Sextant</td>" not in ccpa


def test_the_csv_export_holds_codes_and_dates_and_no_free_text(client, world):
    response = client.get("/audit/rights/?export=csv")

    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 4 and {row["status"] for row in rows} == {"answered", "refused", "overdue", "open"}
    assert "secret" not in text


def test_a_bad_filter_is_a_form_error(client, world):
    response = client.get("/audit/rights/?status=lost")

    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


def test_a_person_may_not_see_the_auditors_pages(client, person):
    client.force_login(person)

    assert client.get("/audit/rights/").status_code == 403
