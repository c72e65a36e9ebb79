from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit import log as audit_log
from consents.models import Grant
from consents.selectors import DASHBOARD_PAGE_SIZE
from tests.consents.lifecycle_helpers import events_of, grant_with_webhook, webhooks_of
from tests.factories import UserFactory, VendorUserFactory, issue_token, make_grant
from vrm import vault
from vrm.problems import problem_uri

pytestmark = pytest.mark.django_db


def logged_in(client, person):
    client.force_login(person)
    return client


def api_get(client, raw, url="/api/v1/profile"):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_the_dashboard_lists_every_vendor_with_terms_status_and_access_stats(client):
    grant = make_grant(scopes=("contact:read", "address:read"))
    audit_log.record_access(grant, action="read", fields=["contact.email"], outcome="ok")
    audit_log.record_access(grant, action="read", fields=["contact.email"], outcome="ok")

    page = logged_in(client, grant.person).get("/connections/")

    html = page.content.decode()
    assert page.status_code == 200
    assert grant.client.vendor.name in html and "<span>Contact</span>" in html and "<span>Address</span>" in html
    assert "contact:read" not in html
    assert "Active" in html and "2 reads in the last 30 days" in html


def queries_for_dashboard(client):
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/connections/")
    assert page.status_code == 200
    return len(queries), page.content.decode().count('href="/connections/') - 1


def test_the_dashboard_query_count_does_not_grow_with_grants(client):
    person = UserFactory()
    first = make_grant(person=person)
    for _ in range(4):
        make_grant(person=person, client=first.client, status=Grant.Status.REVOKED)
    logged_in(client, person)
    with_five = queries_for_dashboard(client)
    for _ in range(45):
        make_grant(person=person, client=first.client, status=Grant.Status.EXPIRED)

    with_fifty = queries_for_dashboard(client)

    assert (with_five[1], with_fifty[1]) == (5, 50)
    assert with_five[0] == with_fifty[0]


def test_hundreds_of_grants_come_in_pages_live_ones_first(client, settings):
    person = UserFactory()
    live = make_grant(person=person)
    for _ in range(DASHBOARD_PAGE_SIZE + 20):
        make_grant(person=person, client=live.client, status=Grant.Status.REVOKED)
    logged_in(client, person)

    first = client.get("/connections/").content.decode()
    second = client.get("/connections/", {"page": 2}).content.decode()
    not_a_number = client.get("/connections/", {"page": "<script>"})
    past_the_end = client.get("/connections/", {"page": 99}).content.decode()

    rows = lambda html: html.count('<article class="card connection"')  # noqa: E731 - one-line counter
    assert (rows(first), rows(second)) == (DASHBOARD_PAGE_SIZE, 21)
    assert f'href="/connections/{live.pk}/"' in first and f'href="/connections/{live.pk}/"' not in second
    assert 'page=2" rel="next"' in first and 'page=1" rel="prev"' in second
    assert not_a_number.status_code == 200 and rows(not_a_number.content.decode()) == DASHBOARD_PAGE_SIZE
    assert "<script>" not in not_a_number.content.decode()
    assert rows(past_the_end) == 21


def test_the_detail_page_shows_the_access_history_of_that_grant_only(client):
    grant = make_grant()
    other = make_grant(person=grant.person)
    audit_log.record_access(grant, action="read", fields=["contact.phone"], outcome="ok")
    audit_log.record_access(other, action="read", fields=["address.city"], outcome="ok")

    page = logged_in(client, grant.person).get(f"/connections/{grant.pk}/")

    html = page.content.decode()
    assert "Phone number" in html and "City" not in html
    assert f"{grant.client.vendor.name} read</strong>: Phone number" in html


def test_another_persons_grant_is_not_found(client):
    grant = make_grant()

    page = logged_in(client, UserFactory()).get(f"/connections/{grant.pk}/")
    post = client.post(f"/connections/{grant.pk}/revoke/")

    assert (page.status_code, post.status_code) == (404, 404)
    grant.refresh_from_db()
    assert grant.status == Grant.Status.ACTIVE


def test_revocation_refuses_the_very_next_api_call(client):
    grant = grant_with_webhook()
    vault.update_profile(grant.person, category="contact", values={"email": "ada@example.org"})
    raw = issue_token(grant)
    assert api_get(client, raw).status_code == 200

    response = logged_in(client, grant.person).post(f"/connections/{grant.pk}/revoke/", {"revoke-reason": "moved"})
    refused = api_get(client, raw)

    assert response.status_code == 302
    assert refused.status_code == 401  # the token was deleted with the grant
    assert events_of(grant)[-1] == "revoked" and webhooks_of(grant) == ["grant.revoked"]


def test_pause_refuses_the_very_next_api_call_and_resume_restores_it(client):
    grant = make_grant()
    vault.update_profile(grant.person, category="contact", values={"email": "ada@example.org"})
    raw = issue_token(grant)
    logged_in(client, grant.person)

    client.post(f"/connections/{grant.pk}/pause/", {})
    paused = api_get(client, raw)
    client.post(f"/connections/{grant.pk}/resume/", {})
    resumed = api_get(client, raw)

    assert paused.status_code == 403 and paused.json()["type"] == problem_uri("grant-paused")
    assert resumed.status_code == 200


def test_narrowing_hides_the_removed_category_from_the_next_call(client):
    grant = make_grant(scopes=("contact:read", "address:read"))
    vault.update_profile(grant.person, category="contact", values={"email": "ada@example.org"})
    raw = issue_token(grant)

    logged_in(client, grant.person).post(f"/connections/{grant.pk}/narrow/", {"narrow-scopes": ["address:read"]})
    response = api_get(client, raw)

    assert response.status_code == 200 and "contact" not in response.json()["profile"]


def test_shorten_with_a_later_date_is_a_form_error_and_changes_nothing(client):
    grant = make_grant()
    later = (grant.expires_at + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")

    response = logged_in(client, grant.person).post(f"/connections/{grant.pk}/shorten/", {"shorten-expires_at": later})

    assert response.status_code == 400 and "before the current end" in response.content.decode()
    assert events_of(grant) == []


def test_narrowing_to_all_scopes_is_a_form_error(client):
    grant = make_grant(scopes=("contact:read", "address:read"))

    response = logged_in(client, grant.person).post(
        f"/connections/{grant.pk}/narrow/", {"narrow-scopes": ["contact:read", "address:read"]}
    )

    assert response.status_code == 400 and "Untick at least one item" in response.content.decode()


def test_an_expired_grant_is_refused_without_any_sweep(client):
    grant = make_grant()
    raw = issue_token(grant)
    Grant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = api_get(client, raw)

    assert response.status_code == 401 and 'error_description="grant expired"' in response["WWW-Authenticate"]


def test_the_daily_read_limit_answers_429_with_problem_details(client):
    grant = make_grant(max_reads_per_day=1)
    raw = issue_token(grant)

    first, second = api_get(client, raw), api_get(client, raw)

    assert (first.status_code, second.status_code) == (200, 429)
    assert second["Content-Type"] == "application/problem+json" and second.json()["status"] == 429


def test_a_receipt_withdrawal_link_lands_on_the_grant_page_with_the_way_to_revoke(client):
    grant = make_grant()

    page = logged_in(client, grant.person).get(f"/receipts/grants/{grant.pk}/withdraw", follow=True)
    stranger = logged_in(client, UserFactory()).get(f"/receipts/grants/{grant.pk}/withdraw")

    assert page.redirect_chain[-1][0] == f"/connections/{grant.pk}/"
    assert f'href="/connections/{grant.pk}/revoke/"' in page.content.decode()
    assert stranger.status_code == 404


def section(html, heading_id):
    """The HTML of the card whose heading has this id (up to the card's end)."""
    start = html.index(f'id="{heading_id}"')
    return html[start:html.index("</section>", start)]


def test_an_over_long_resume_reason_is_an_error_beside_the_resume_form_and_changes_nothing(client):
    grant = make_grant(status=Grant.Status.PAUSED)

    response = logged_in(client, grant.person).post(f"/connections/{grant.pk}/resume/", {"resume-reason": "x" * 1001})

    html = response.content.decode()
    grant.refresh_from_db()
    assert response.status_code == 400
    assert "at most 1000 characters" in section(html, "change-h")
    assert "at most 1000 characters" not in section(html, "danger-h")
    assert grant.status == Grant.Status.PAUSED and events_of(grant) == []


def test_the_connection_pages_are_never_cached_and_only_for_persons(client):
    grant = make_grant()
    logged_in(client, grant.person)
    pages = [client.get("/connections/"), client.get(f"/connections/{grant.pk}/")]
    logged_in(client, VendorUserFactory())
    refused = client.get("/connections/")

    assert [page.status_code for page in pages] == [200, 200]
    assert all("no-store" in page["Cache-Control"] for page in pages)
    assert refused.status_code == 403
