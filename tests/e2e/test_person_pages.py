"""A new person walks every page of theirs in real Chromium, on a 360 px phone and a 1280 px desktop:
axe-core finds no serious or critical violation, nothing is wider than the screen, and no raw developer
format (scope keys, ISO timestamps and durations, event and field keys) is shown. The walk takes the
README's screenshots, checks that a consequences page stands between the person and every revoke or
leave, and that asking again shows what would be kept, added and removed."""

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from consents.models import Grant
from tests.e2e.accessibility import serious_violations
from tests.e2e.person_world import build_world
from tests.factories import PASSWORD, UserFactory
from tests.vendors.flow import authorize_params
from vrm.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(django_settings.BASE_DIR) / "docs" / "screenshots"
CATEGORY = r"(?:identity|contact|address|preferences|purchases)"
RAW_FORMATS = {
    "scope key": re.compile(rf"\b{CATEGORY}:(?:read|write)\b"),
    "field key": re.compile(rf"\b{CATEGORY}\.[a-z_]+\b"),
    "ISO timestamp": re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"),
    "ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "ISO duration": re.compile(r"\bP(?:\d+[YMWD])+(?:T\d[\dHMS.]*)?\b|\bPT\d+[HMS]\b"),
    "event key": re.compile(r"\b(?:deletion_(?:requested|confirmed|overdue)|retention_ended|grant\.[a-z_]+)\b"),
    "clock duration": re.compile(r"\b\d+:\d{2}:\d{2}\b"),
    "purpose code": re.compile(r"\b(?:service_provision|account_management|fraud_prevention|legal_obligation)\b"),
}


def raw_formats_in(text):
    return {name: pattern.findall(text) for name, pattern in RAW_FORMATS.items() if pattern.search(text)}


def check_page(tab, width):
    """The checks every person page must pass; returns the problems found (empty when all is well)."""
    problems = {}
    violations = serious_violations(tab)
    if violations:
        problems["axe"] = violations
    raw = raw_formats_in(tab.locator("body").inner_text())
    if raw:
        problems["raw formats"] = raw
    scroll_width = tab.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        problems["wider than the screen"] = scroll_width
    return problems


def open_context(browser, live_server, width):
    return browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 800}, timezone_id="Europe/Berlin")


def sign_up(tab, username):
    tab.goto("/accounts/signup/")
    tab.get_by_label("Username").fill(username)
    tab.get_by_label("E-mail address").fill(f"{username}@example.org")
    tab.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    tab.get_by_label("Password confirmation").fill(PASSWORD)
    tab.get_by_role("button", name="Sign up").click()
    expect(tab).to_have_url(re.compile(r"/profile/$"))
    return User.objects.get(username=username)


def consent_url(grant, scope):
    params, _ = authorize_params(grant.client, scope=scope)
    return "/o/authorize/?" + urlencode(params)


@pytest.mark.parametrize("width", [360, 1280])
def test_a_new_person_walks_every_page_accessibly_without_raw_formats(browser, live_server, settings, width):
    settings.SITE_URL = live_server.url
    context = open_context(browser, live_server, width)
    tab = context.new_page()
    person = sign_up(tab, f"ada{width}")
    world = build_world(person)
    outfitters, old_books = world["Outfitters"], world["Old Books"]
    pages = {
        "connections": "/connections/",
        "ended connections": "/connections/?show=ended&sort=name",
        "grant page": f"/connections/{outfitters.pk}/",
        "paused grant page": f"/connections/{world['Grocer'].pk}/",
        "ended grant page": f"/connections/{old_books.pk}/",
        "revoke consequences": f"/connections/{outfitters.pk}/revoke/",
        "leave consequences": f"/connections/{outfitters.pk}/leave/",
        "consent screen": consent_url(outfitters, "contact:read identity:read"),
        "profile": "/profile/",
        "profile contact": "/profile/contact/",
        "your data": "/profile/export/",
        "settings": "/settings/",
        "security": "/accounts/security/",
        "receipt verification": "/receipts/verify",
        "not found": "/connections/00000000-0000-0000-0000-000000000000/",
    }

    problems = {}
    for name, path in pages.items():
        response = tab.goto(path)
        assert response.status == (404 if name == "not found" else 200), name
        found = check_page(tab, width)
        if found:
            problems[name] = found
        if width == 1280 and name in ("connections", "grant page", "consent screen"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(SCREENSHOTS / f"{name.replace(' ', '-')}.png"))
    context.close()

    assert problems == {}


def test_the_connections_page_shows_each_vendor_in_words_with_its_reads_and_filters(page, live_server):
    person = UserFactory()
    world = build_world(person)
    log_in(page, person, live_server)

    page.goto("/connections/?show=ended")
    ended = page.locator("article.connection").all_inner_texts()
    page.goto("/connections/")
    cards = page.locator("article.connection")
    outfitters = cards.filter(has_text="Outfitters")

    assert len(ended) == 1 and "Old Books" in ended[0]
    assert cards.count() == 3
    text = outfitters.inner_text()
    for words in ("Verified", "Contact", "Address", "Delivering goods to you", "10 reads in the last 30 days", "Active"):
        assert words in text
    assert outfitters.locator("svg.chart rect.bar").count() == 10
    grocer = cards.filter(has_text="Grocer").inner_text()
    assert "Not verified" in grocer and "Paused" in grocer and "Personalising offers and content" in grocer
    assert world["Grocer"].status == Grant.Status.PAUSED


def log_in(tab, user, live_server):
    client = Client()
    client.force_login(user)
    tab.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])


def test_revoke_and_leave_each_go_through_a_consequences_page(page, live_server):
    person = UserFactory()
    grant = build_world(person)["Outfitters"]
    log_in(page, person, live_server)
    page.goto(f"/connections/{grant.pk}/")
    direct_forms = page.locator("form[action$='/revoke/'], form[action$='/leave/']").count()

    page.get_by_role("link", name="Revoke…").click()
    consequences = page.locator("ul.consequences").inner_text()
    grant.refresh_from_db()
    status_on_the_consequences_page = grant.status
    page.get_by_role("button", name="Revoke access").click()
    expect(page.get_by_role("status")).to_contain_text("Revoked.")
    summary_after_revoke = page.locator("#summary-h + dl").inner_text()

    page.get_by_role("link", name="Leave this vendor…").click()
    leave_consequences = page.locator("ul.consequences").inner_text()
    page.get_by_role("button", name="Leave and ask for erasure").click()
    expect(page.get_by_role("status")).to_contain_text("You left Outfitters")

    grant.refresh_from_db()
    assert direct_forms == 0
    assert status_on_the_consequences_page == Grant.Status.ACTIVE
    assert "refused from its very next request" in consequences and "cannot be undone" in consequences
    assert "Until" not in summary_after_revoke and "Kept after the end" not in summary_after_revoke
    assert "Ended" in summary_after_revoke
    assert "asked to erase everything" in leave_consequences
    assert grant.status == Grant.Status.REVOKED and grant.deletion_requested_at is not None
    assert page.get_by_role("link", name="Leave this vendor…").count() == 0
    assert "requested, waiting for the vendor to confirm" in page.locator("#summary-h + dl").inner_text()


def test_asking_again_shows_kept_added_and_removed_and_greys_what_is_unticked(page, live_server, settings):
    settings.SITE_URL = live_server.url
    person = UserFactory()
    grant = build_world(person)["Outfitters"]  # shares contact and address today
    log_in(page, person, live_server)

    page.goto(consent_url(grant, "contact:read identity:read"))
    kept, added, removed = (
        [" ".join(text.split()) for text in page.locator(f"ul.diff li.{kind}").all_inner_texts()]
        for kind in ("kept", "added", "removed")
    )
    warning = page.get_by_role("note").inner_text()
    identity = page.locator(".scope-choice").filter(has_text="Read your identity")
    identity.get_by_role("checkbox").uncheck()
    allow, deny = page.get_by_role("button", name="Allow"), page.get_by_role("button", name="Deny")
    background = "el => getComputedStyle(el).backgroundColor"

    assert kept == ["Kept Read your contact details (e-mail, phone)"]
    assert added == ["Added Read your identity (name, date of birth)"]
    assert removed == ["Removed Read your address"]
    assert "Allowing this drops something" in warning and "read your address" in warning
    expect(identity).to_have_class(re.compile(r"\bis-off\b"))
    assert "Lovelace" in identity.inner_text() and "Dec. 10, 1985" in identity.inner_text()
    assert "+44 20 7946 0958" in page.locator(".scope-choice").filter(has_text="contact").inner_text()
    assert allow.evaluate(background) != deny.evaluate(background)
