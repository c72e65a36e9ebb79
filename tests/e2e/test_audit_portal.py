from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from audit.checkpoints import sign_checkpoint
from audit.log import record_access, record_grant_event
from tests.e2e.accessibility import WIDTHS, Walk
from tests.factories import PASSWORD, AuditorFactory, GrantFactory, OAuthClientFactory, chain_audit_log

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_auditor_logs_in_filters_exports_and_sees_the_chain_verified(page, tmp_path):
    auditor = AuditorFactory()
    bakery = GrantFactory(client=OAuthClientFactory(vendor__name="Bakery"))
    garage = GrantFactory(client=OAuthClientFactory(vendor__name="Garage"))
    with transaction.atomic():
        record_grant_event(bakery, "created", actor=bakery.person)
        record_access(bakery, action="read", fields=["contact.email"], outcome="ok", request_id="bakery-read")
        record_grant_event(garage, "created", actor=garage.person)
        record_access(garage, action="read", fields=["address.street"], outcome="ok", request_id="garage-read",
                      now=timezone.now() - timedelta(seconds=1))
    chain_audit_log()  # the garage's read, recorded after the last grant event; the sequencer's work
    sign_checkpoint()
    call_command("verify_audit_log")

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(auditor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Audit").click()
    status = page.locator(".chain-status").inner_text()
    page.get_by_role("navigation", name="Audit").get_by_role("link", name="Events").click()
    page.get_by_label("Vendor", exact=True).select_option(label="Garage")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr").all_inner_texts()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    exported = download_info.value.path().read_text()

    assert "Verified up to entry 4" in status and "1 signed checkpoint matched" in status
    assert len(rows) == 2 and all("Garage" in row for row in rows)
    assert "garage-read" in rows[0]
    assert exported.splitlines()[0].startswith("seq,at,kind,event")
    assert "garage-read" in exported and "bakery-read" not in exported


@pytest.mark.integration
@pytest.mark.parametrize("width", WIDTHS)
def test_an_auditor_walks_every_page_verifies_now_on_a_worker_and_axe_finds_nothing_serious(page, worker, width):
    auditor = AuditorFactory()
    grant = GrantFactory(client=OAuthClientFactory(vendor__name="Garage"))
    late = GrantFactory(client=OAuthClientFactory(vendor__name="Slow Shop"), status="expired",
                        retention_ends_at=timezone.now() - timedelta(days=20))
    with transaction.atomic():
        record_grant_event(grant, "created", actor=grant.person)
        record_grant_event(late, "created", actor=late.person)
        record_access(grant, action="read", fields=["contact.email"], outcome="ok", request_id="garage-read")
    chain_audit_log()
    sign_checkpoint()
    walk = Walk(page, width)

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(auditor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/audit/")
    before = page.locator(".chain-status").inner_text()
    walk.check()
    page.get_by_role("button", name="Verify now").click()
    walk.check("verification in progress")
    page.get_by_text("Verified up to entry 3").wait_for(timeout=60_000)  # the worker's run, followed by the page
    walk.check("verification result")
    subnav = page.get_by_role("navigation", name="Audit")
    subnav.get_by_role("link", name="Grants").click()
    walk.check()
    hint = page.locator("#id_since_hint").inner_text()
    page.get_by_label("From (UTC)").fill("last tuesday")
    page.get_by_role("button", name="Filter").click()
    walk.check("grants with a bad filter")
    subnav.get_by_role("link", name="Events").click()
    walk.check()
    subnav.get_by_role("link", name="Overdue deletions").click()
    overdue = page.locator("tbody").inner_text()
    walk.check()
    subnav.get_by_role("link", name="Checkpoints").click()
    walk.check()

    assert "not been verified yet" in before
    assert walk.found == {}
    assert "YYYY-MM-DD" in hint
    assert "Slow Shop" in overdue and "Garage" not in overdue and "6\xa0days" in overdue
