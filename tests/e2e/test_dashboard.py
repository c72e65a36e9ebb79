"""Done-when of issue 5 in real Chromium: the person sees the vendor's access history, then pauses,
resumes, narrows and revokes the grant, and the vendor's very next API call (over real HTTP) sees each change."""

import pytest
import requests
from playwright.sync_api import expect
from django.test import Client

from audit import log as audit_log
from tests.factories import UserFactory, issue_token, make_grant
from vrm import vault
from vrm.problems import problem_uri

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, user, live_server):
    django_client = Client()
    django_client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": django_client.cookies["sessionid"].value, "url": live_server.url}])


def test_the_person_pauses_resumes_narrows_and_revokes_in_the_browser(page, live_server):
    person = UserFactory()
    vault.update_profile(person, category="contact", values={"email": "ada@example.org"})
    vault.update_profile(person, category="address", values={"city": "Lovelace Town"})
    grant = make_grant(person=person, scopes=("contact:read", "address:read"))
    audit_log.record_access(grant, action="read", fields=["contact.email"], outcome="ok")
    raw = issue_token(grant)

    def vendor_reads():
        return requests.get(f"{live_server.url}/api/v1/profile", headers={"Authorization": f"Bearer {raw}"}, timeout=10)

    log_in(page, person, live_server)
    page.goto("/connections/")
    page.get_by_role("link", name=grant.client.vendor.name).click()
    history = page.get_by_role("list", name=f"What {grant.client.vendor.name} read, and every change, newest first")
    assert "E-mail address" in history.inner_text()

    page.get_by_text("Pause it").click()
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("status")).to_contain_text("Paused.")
    paused = vendor_reads()

    page.get_by_role("button", name="Resume").click()
    expect(page.get_by_role("status")).to_contain_text("Resumed.")
    resumed = vendor_reads()

    page.get_by_text("Share less").click()
    page.get_by_label("Read your contact details (e-mail, phone)").uncheck()
    page.get_by_role("button", name="Narrow").click()
    expect(page.get_by_role("status")).to_contain_text("Narrowed.")
    narrowed = vendor_reads()

    page.get_by_role("link", name="Revoke…").click()
    page.get_by_label("Reason (optional)").fill("I moved away")
    page.get_by_role("button", name="Revoke access").click()
    expect(page.get_by_role("status")).to_contain_text("Revoked.")
    revoked = vendor_reads()

    assert paused.status_code == 403 and paused.json()["type"] == problem_uri("grant-paused")
    assert resumed.status_code == 200 and set(resumed.json()["profile"]) == {"contact", "address"}
    assert narrowed.status_code == 200 and set(narrowed.json()["profile"]) == {"address"}
    assert revoked.status_code == 401
    assert "Revoked" in page.locator(".badge.status-revoked").first.inner_text()
    assert "I moved away" in page.locator("ol.timeline").inner_text()
