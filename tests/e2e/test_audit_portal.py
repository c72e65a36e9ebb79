from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from audit.checkpoints import sign_checkpoint
from audit.log import record_access, record_grant_event
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
    page.get_by_label("Vendor").select_option(label="Garage")
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
