import csv
import io
import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from audit.log import record_access, record_grant_event
from audit.verification import verify_chain
from tests.factories import (
    AuditorFactory,
    GrantFactory,
    OAuthClientFactory,
    UserFactory,
    VendorUserFactory,
    chain_audit_log,
)
from vrm import vault
from vrm.pseudonyms import pseudonym_for

pytestmark = pytest.mark.django_db

AUDIT_PAGES = ["/audit/", "/audit/grants/", "/audit/events/", "/audit/checkpoints/", "/audit/overdue/",
               "/audit/log.jsonl", "/audit/grants/?export=csv", "/audit/events/?export=jsonl"]


def rows_of(response):
    """The table body of a page (the filter form lists every vendor, the table only the matches)."""
    return response.content.decode().split("<tbody>")[1].split("</tbody>")[0]


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("url", AUDIT_PAGES)
@pytest.mark.parametrize(
    "actor, expected",
    [(None, 302), (UserFactory, 403), (VendorUserFactory, 403), (AuditorFactory, 200)],
    ids=["anonymous", "person", "vendor", "auditor"],
)
def test_only_auditors_reach_the_audit_pages(client, url, actor, expected):
    if actor:
        client.force_login(actor())

    response = client.get(url)

    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.fixture
def auditor_client(client):
    client.force_login(AuditorFactory())
    return client


@pytest.fixture
def two_vendors():
    """A delivery grant at Shop A (active, read twice) and a marketing grant at Shop B (revoked)."""
    person = UserFactory()
    vault.update_profile(person, category="contact", values={"email": "secret-address@example.org"})
    shop_a = GrantFactory(person=person, client=OAuthClientFactory(vendor__name="Shop A"))
    shop_b = GrantFactory(person=person, client=OAuthClientFactory(vendor__name="Shop B"), purpose="marketing",
                          status="revoked")
    with transaction.atomic():
        record_grant_event(shop_a, "created", actor=person)
        record_access(shop_a, action="read", fields=["contact.email"], outcome="ok", request_id="r-a1")
        record_access(shop_a, action="read", fields=["contact.email"], outcome="ok", request_id="r-a2")
        record_grant_event(shop_b, "revoked", actor=person, reason="too many mails")
    return shop_a, shop_b


def test_the_overview_says_verified_up_to_the_last_entry(auditor_client, two_vendors):
    verify_chain()

    response = auditor_client.get("/audit/")

    assert "Verified up to entry 4" in response.content.decode()


def test_the_overview_shows_a_failed_verification(auditor_client, two_vendors):
    from tests.audit.tampering import tamper

    tamper("UPDATE audit_auditentry SET request_id = 'r-a9' WHERE seq = 2")
    verify_chain()

    response = auditor_client.get("/audit/")

    assert "Verification failed at entry 2" in response.content.decode()


def test_grants_filter_by_vendor_status_and_purpose(auditor_client, two_vendors):
    shop_a, shop_b = two_vendors

    by_vendor = rows_of(auditor_client.get("/audit/grants/", {"vendor": shop_b.client.vendor_id}))
    by_status = rows_of(auditor_client.get("/audit/grants/", {"status": "active"}))
    by_purpose = rows_of(auditor_client.get("/audit/grants/", {"purpose": "marketing"}))

    assert "Shop B" in by_vendor and "Shop A" not in by_vendor
    assert "Shop A" in by_status and "Shop B" not in by_status
    assert "Shop B" in by_purpose and "Shop A" not in by_purpose
    assert pseudonym_for(shop_a.person_id) in by_status
    assert shop_a.person.username not in by_status


def test_events_filter_by_time_range(auditor_client, two_vendors):
    shop_a, _ = two_vendors
    with transaction.atomic():
        record_access(shop_a, action="read", fields=["contact.phone"], outcome="ok", request_id="r-old",
                      now=timezone.now() - timedelta(days=10))
    chain_audit_log()

    response = auditor_client.get("/audit/events/", {"until": (timezone.now() - timedelta(days=5)).strftime("%Y-%m-%d")})

    rows = rows_of(response)
    assert "r-old" in rows and "r-a1" not in rows


def test_a_bad_filter_is_a_form_error_and_shows_nothing(auditor_client, two_vendors):
    response = auditor_client.get("/audit/events/", {"since": "yesterday-ish", "person": "bob"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter a valid date/time." in page and "A pseudonym looks like" in page
    assert "No entries match." in page


def test_exports_the_selection_as_csv_and_json_lines(auditor_client, two_vendors):
    shop_a, _ = two_vendors

    as_csv = body(auditor_client.get("/audit/events/", {"vendor": shop_a.client.vendor_id, "export": "csv"}))
    as_jsonl = body(auditor_client.get("/audit/grants/", {"status": "revoked", "export": "jsonl"}))

    rows = list(csv.DictReader(io.StringIO(as_csv.decode())))
    assert [row["request_id"] for row in rows] == ["r-a2", "r-a1", ""]
    assert {row["vendor"] for row in rows} == {"Shop A"}
    grants = [json.loads(line) for line in as_jsonl.decode().splitlines()]
    assert [(g["vendor"], g["status"], g["person"]) for g in grants] == [
        ("Shop B", "revoked", pseudonym_for(shop_a.person_id))
    ]


def test_no_auditor_page_or_export_holds_a_profile_value_or_username(auditor_client, two_vendors):
    shop_a, _ = two_vendors
    verify_chain()

    everything = b"".join(body(auditor_client.get(url)) for url in AUDIT_PAGES)

    assert b"secret-address@example.org" not in everything
    assert shop_a.person.username.encode() not in everything
    assert b"contact.email" in everything


def test_overdue_deletions_are_listed_once_the_grace_period_has_passed(auditor_client, settings):
    settings.VRM_DELETION_GRACE_DAYS = 14
    late = GrantFactory(status="expired", retention_ends_at=timezone.now() - timedelta(days=17),
                        client=OAuthClientFactory(vendor__name="Slow Shop"))
    GrantFactory(status="expired", retention_ends_at=timezone.now() - timedelta(days=17),
                 deletion_confirmed_at=timezone.now(), client=OAuthClientFactory(vendor__name="Tidy Shop"))
    GrantFactory(status="revoked", retention_ends_at=timezone.now() - timedelta(days=13),
                 client=OAuthClientFactory(vendor__name="Just Left Shop"))

    page = auditor_client.get("/audit/overdue/")
    overview = auditor_client.get("/audit/").content.decode()

    rows = rows_of(page)
    assert "Slow Shop" in rows and str(late.pk) in page.content.decode() and "3\xa0days" in rows
    assert "Tidy Shop" not in rows and "Just Left Shop" not in rows and "Overdue by 0" not in rows
    assert ">1 grant<" in overview


def test_right_after_leaving_a_vendor_nothing_is_overdue(auditor_client):
    from consents.grants import leave_vendor

    grant = GrantFactory(client=OAuthClientFactory(vendor__name="Fresh Shop"))
    leave_vendor(grant.person, grant.client.vendor, actor=grant.person)

    rows = rows_of(auditor_client.get("/audit/overdue/"))

    assert "Fresh Shop" not in rows and "None:" in rows


def test_the_date_filters_say_their_format(auditor_client):
    page = auditor_client.get("/audit/events/").content.decode()

    assert page.count("YYYY-MM-DD or YYYY-MM-DD HH:MM") == 2
    assert 'aria-describedby="id_since_hint"' in page and 'id="id_since_hint"' in page


def test_verify_now_asks_a_worker_and_the_status_page_waits_for_the_run(auditor_client, django_capture_on_commit_callbacks):
    from audit.verification import verify_chain

    with django_capture_on_commit_callbacks() as callbacks:
        asked = auditor_client.post("/audit/verify/")
    waiting = auditor_client.get(asked["Location"])
    verify_chain()  # what the task does, here in the test's own process
    done = auditor_client.get(asked["Location"] + "&fragment=1")

    assert asked.status_code == 302 and asked["Location"].startswith("/audit/verify/?asked=")
    assert len(callbacks) == 1
    assert "In progress" in waiting.content.decode() and "data-follow" in waiting.content.decode()
    assert "Verified up to entry" in done.content.decode() and "data-follow" not in done.content.decode()


def test_only_an_auditor_may_ask_for_a_verification(client):
    client.force_login(UserFactory())

    assert client.post("/audit/verify/").status_code == 403


def test_the_verify_page_without_a_request_shows_the_latest_result_and_the_button(auditor_client):
    verify_chain()

    responses = [auditor_client.get(url) for url in ("/audit/verify/", "/audit/verify/?asked=nonsense",
                                                     "/audit/verify/?asked=1e300")]

    for response in responses:
        page = response.content.decode()
        assert response.status_code == 200 and "Verified up to entry 0" in page and "Verify now" in page
        assert "data-follow" not in page
