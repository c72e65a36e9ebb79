"""In real Chromium: an HTML/JS payload kept as a profile value renders as text, runs nothing, injects nothing."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accounts_portal import sign_up

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAYLOAD = (
    '<script>window.pwned = 1</script><img id="injected-img" src="/x" onerror="window.pwned = 2">'
    '"><svg id="injected-svg" onload="window.pwned = 3"></svg>'
)


def test_a_markup_payload_as_a_profile_value_is_shown_as_text_and_never_runs(page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_up(page)
    page.get_by_role("link", name="Edit identity").click()
    page.get_by_label("Given name").fill(PAYLOAD)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Identity saved.")).to_be_visible()

    for path in ("/profile/", "/profile/export/", "/profile/identity/"):
        page.goto(path)
        if path == "/profile/identity/":
            expect(page.get_by_label("Given name")).to_have_value(PAYLOAD)
        else:
            expect(page.get_by_role("cell", name=PAYLOAD, exact=True)).to_be_visible()
        assert page.locator("#injected-img, #injected-svg, main script").count() == 0
        assert page.evaluate("typeof window.pwned") == "undefined"
    assert dialogs == []
