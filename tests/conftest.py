import pytest

from tests.factories import UserFactory
from tests.processes import celery_worker

CHROMIUM = "/usr/bin/chromium"
# Debian's Chromium, headless, with nothing that reaches out to the network on its own.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

# Every test that uses the database may reach the key store too (vaults keep their data keys there).
DATABASES = ["default", "keystore"]
DB_FIXTURES = {"db", "transactional_db", "live_server"}


def pytest_collection_modifyitems(items):
    """Give each database test both databases: its own django_db marker's arguments, plus `databases`.

    Runs before pytest-django sets the test databases up, so both are created, each test's
    transaction (or flush, for transactional and live-server tests) covers both.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None and not DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            continue
        if marker is not None and "databases" in marker.kwargs:
            continue
        args, kwargs = (marker.args, marker.kwargs) if marker is not None else ((), {})
        item.add_marker(pytest.mark.django_db(*args, **{**kwargs, "databases": DATABASES}), append=False)


@pytest.fixture
def person():
    """The persona most tests start from: a person with an e-mail address (contact) and a city (address)
    in their vault. Tests that need another shape of person make it with tests.factories."""
    from vrm import vault

    person = UserFactory()
    vault.update_profile(person, category="contact", values={"email": "ada@example.org"})
    vault.update_profile(person, category="address", values={"city": "Lovelace Town"})
    return person


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A real Celery worker process on the configured broker, reading this session's test database."""
    with celery_worker(tmp_path / "worker.log") as process:
        yield process


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's package, never a download) driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def empty_cache():
    """Counters kept in the cache (read limits, failed client authentications) start at zero in every test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def site_url(settings):
    """Point SITE_URL, and with it the OAuth issuer, at a URL: ``site_url(url)``."""

    def point_at(url):
        settings.SITE_URL = url
        settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": url}
        return url

    return point_at


@pytest.fixture
def page(browser, live_server, site_url):
    """A fresh browser context on the live server; SITE_URL points at it for links and the OAuth issuer."""
    site_url(live_server.url)
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()
