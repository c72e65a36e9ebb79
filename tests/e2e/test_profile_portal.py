import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accounts_portal import sign_up

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_edit_the_profile_see_validation_errors_and_export_it(page):
    sign_up(page)
    page.get_by_role("link", name="Edit contact").click()
    page.get_by_label("E-mail address").fill("not an address")
    page.get_by_label("Phone number").fill("+44 20 7946 0958")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    expect(page.get_by_text("nothing was saved")).to_be_visible()

    page.get_by_label("E-mail address").fill("ada@example.org")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Contact saved.")).to_be_visible()
    page.get_by_role("link", name="Edit address").click()
    page.get_by_label("City").fill("Lyon")
    page.get_by_label("Country").select_option("FR")
    page.get_by_role("button", name="Save").click()

    contact = page.locator("section", has=page.get_by_role("heading", name="Contact"))
    expect(contact.get_by_role("cell", name="ada@example.org")).to_be_visible()
    expect(contact.get_by_role("cell", name="+44 20 7946 0958")).to_be_visible()
    expect(page.get_by_role("cell", name="France")).to_be_visible()

    page.get_by_role("link", name="Your data").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Everything we hold about you")
    expect(page.get_by_role("cell", name="Lyon")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as JSON").click()
    document = json.loads(open(download_info.value.path()).read())

    assert document["profile"]["contact"]["email"]["value"] == "ada@example.org"
    assert document["profile"]["address"]["country"]["value"] == "FR"


def test_add_a_custom_attribute_and_fill_it_in(page):
    sign_up(page)
    form = page.locator("form", has=page.get_by_role("button", name="Add attribute"))
    form.get_by_label("Category").select_option("preferences")
    form.get_by_label("Name of the attribute").fill("Shoe size")
    form.get_by_label(re.compile(r"^Type:?$")).select_option("text")
    form.get_by_role("button", name="Add attribute").click()

    page.get_by_label("Shoe size").fill("42")
    page.get_by_role("button", name="Save").click()

    row = page.get_by_role("row", name="Shoe size")
    expect(row).to_contain_text("42")


def test_portal_pages_send_the_security_headers(page):
    sign_up(page)

    response = page.goto("/profile/")

    headers = response.headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
