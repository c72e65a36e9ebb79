"""Web security of the person's portal: CSRF on every form, security headers, production cookies and HSTS,
login throttling, one person never reaching another's data, and nobody but auditors on auditor pages."""

import json
import re
from datetime import timedelta

import pytest
import requests
from axes.models import AccessAttempt
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.log import record_grant_event
from audit.models import Receipt
from consents.models import Grant
from rights import services as rights_services
from rights.models import RightsRequest
from tests.processes import child_database_env
from tests.factories import PASSWORD, PersonFactory, make_grant
from tests.vrm.test_settings import PRODUCTION, run_python
from vrm import accounts, vault
from vrm.models import AttributeDefinition, ProfileValue, User

NEW_PASSWORD = "a fresh passphrase 42"


def portal_patterns(namespaces):
    """(namespace:name, pattern string) of every URL in these namespaces."""
    found = []

    def walk(patterns, namespace, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and namespace in namespaces:
                found.append((f"{namespace}:{pattern.name}", prefix + str(pattern.pattern)))

    walk(get_resolver().url_patterns, None, "")
    return found


PORTAL_NAMESPACES = {"accounts", "profile", "receipts", "consents", "rights"}


class World:
    """Person A (the actor) and person B (the target), each with a profile value, a custom attribute,
    a grant and its receipt."""

    def __init__(self):
        self.a, self.b = PersonFactory(username="alice"), PersonFactory(username="bob")
        for person, secret in ((self.a, "Alice-secret-value"), (self.b, "Bob-secret-value")):
            vault.ensure_vault(person)
            vault.update_profile(person, category="identity", values={"given_name": secret})
            attribute = vault.add_custom_attribute(person, category="preferences", label="Shoe size", type="text")
            vault.update_profile(person, category="preferences", values={attribute.key: secret + "-shoe"})
            grant = make_grant(person, vendor_name=f"Shop of {person.username}")
            with transaction.atomic():
                record_grant_event(grant, "created", actor=person)
            person.attribute, person.grant = attribute, grant
            person.receipt = Receipt.objects.filter(grant_id=grant.id).first()
            person.rights_request = rights_services.file_request(person, grant, kind="access", jurisdiction="EU")
            rights_services.respond(person.rights_request.pk, client=grant.client, outcome="answered",
                                    attachment={"note": secret + "-answer"})

    def kwargs_for(self, person, name, token_of=None):
        if name.startswith("consents:") and name != "consents:dashboard":
            return {"grant_id": person.grant.pk}
        return {
            "profile:delete_attribute": {"attribute_id": person.attribute.pk},
            "profile:edit": {"category": "identity"},
            "accounts:password_reset_confirm": {
                "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
                "token": default_token_generator.make_token(token_of or person),
            },
            "receipts:download": {"receipt_id": person.receipt.pk},
            "receipts:withdraw": {"grant_id": person.grant.pk},
            "rights:file": {"grant_id": person.grant.pk},
            "rights:detail": {"request_id": person.rights_request.pk},
            "rights:answer": {"request_id": person.rights_request.pk},
        }.get(name, {})


def snapshot():
    """Everything a portal form could change."""
    return {
        "users": sorted(User.objects.values_list("pk", "username", "password", "is_active", "email")),
        "values": sorted((pk, bytes(sealed)) for pk, sealed in ProfileValue.objects.values_list("pk", "sealed_value")),
        "attributes": sorted(AttributeDefinition.objects.filter(owner__isnull=False).values_list("pk", "label")),
        "devices": sorted(TOTPDevice.objects.values_list("pk", "confirmed")),
        "grants": sorted(map(str, Grant.objects.values_list("pk", "status", "scopes", "expires_at", "paused_until"))),
        "rights_requests": sorted(map(str, RightsRequest.objects.values_list("pk", "status"))),
    }


# --- CSRF ----------------------------------------------------------------------------------------

PORTAL_URLS = portal_patterns(PORTAL_NAMESPACES) + [("home", "")]


@pytest.mark.django_db
@pytest.mark.parametrize("name, pattern", PORTAL_URLS, ids=[name for name, _ in PORTAL_URLS])
@pytest.mark.parametrize("signed_in", [True, False], ids=["person", "anonymous"])
def test_every_portal_url_refuses_a_post_without_a_csrf_token_and_changes_nothing(name, pattern, signed_in):
    world = World()
    client = Client(enforce_csrf_checks=True)
    if signed_in:
        client.force_login(world.a)
    path = reverse(name, kwargs=world.kwargs_for(world.a, name))
    data = {"username": "alice", "password": PASSWORD, "old_password": PASSWORD, "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD, "confirm": "on", "given_name": "changed", "category": "identity",
            "label": "Hat size", "type": "text", "email": "x@example.org", "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD, "code": "123456"}
    before = snapshot()

    response = client.post(path, data)

    assert response.status_code == 403, path
    assert "CSRF" in response.content.decode()
    assert snapshot() == before


def with_token(client, path):
    """The CSRF token the portal hands out with the form page."""
    page = client.get(path)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    return match.group(1) if match else client.cookies["csrftoken"].value


# (name, form page to fetch the token from, data, signed in, what must have changed)
STATE_CHANGING = [
    ("accounts:signup", "/accounts/signup/", {"username": "carol", "email": "c@example.org",
     "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, False, lambda w: User.objects.filter(username="carol").exists()),
    ("accounts:login", "/accounts/login/", {"username": "alice", "password": PASSWORD}, False, None),
    ("accounts:logout", "/profile/", {}, True, None),
    ("profile:edit", "/profile/identity/", {"given_name": "Changed"}, True,
     lambda w: vault.read_profile(w.a, ["identity"])["identity"] == {"given_name": "Changed"}),
    ("profile:add_attribute", "/profile/attributes/new/", {"category": "identity", "label": "Hat size", "type": "text"},
     True, lambda w: w.a.custom_attributes.filter(label="Hat size").exists()),
    ("profile:delete_attribute", "/profile/preferences/", {}, True,
     lambda w: not AttributeDefinition.objects.filter(pk=w.a.attribute.pk).exists()),
    ("accounts:two_factor_setup", "/accounts/security/", {}, True, lambda w: accounts.pending_device(w.a) is not None),
    ("accounts:two_factor_disable", "/accounts/two-factor/disable/", {"password": PASSWORD}, True,
     lambda w: not TOTPDevice.objects.filter(user=w.a).exists()),
    ("accounts:password_change", "/accounts/password/change/", {"old_password": PASSWORD,
     "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, True,
     lambda w: User.objects.get(pk=w.a.pk).check_password(NEW_PASSWORD)),
    ("accounts:delete", "/accounts/delete/", {"password": PASSWORD, "confirm": "on"}, True,
     lambda w: not User.objects.get(pk=w.a.pk).is_active),
]


@pytest.mark.django_db
@pytest.mark.parametrize("name, form_page, data, signed_in, changed", STATE_CHANGING,
                         ids=[row[0] for row in STATE_CHANGING])
def test_the_same_post_with_the_token_the_form_carries_is_accepted(name, form_page, data, signed_in, changed):
    world = World()
    if name == "accounts:two_factor_disable":
        accounts.start_two_factor(world.a)
    client = Client(enforce_csrf_checks=True)
    if signed_in:
        client.force_login(world.a)
    token = with_token(client, form_page)

    response = client.post(reverse(name, kwargs=world.kwargs_for(world.a, name)), {**data, "csrfmiddlewaretoken": token})

    assert response.status_code == 302, response.content.decode()[:500]
    if changed is not None:
        assert changed(world)


# --- headers -------------------------------------------------------------------------------------

PAGES = [("/", False), ("/accounts/login/", False), ("/accounts/signup/", False), ("/profile/", True),
         ("/profile/identity/", True), ("/profile/export/", True), ("/accounts/security/", True)]


@pytest.mark.django_db
@pytest.mark.parametrize("path, signed_in", PAGES, ids=[path for path, _ in PAGES])
def test_portal_pages_carry_the_security_headers(client, path, signed_in):
    if signed_in:
        client.force_login(PersonFactory())

    response = client.get(path)

    assert response.status_code == 200
    csp = dict(directive.strip().split(" ", 1) for directive in response["Content-Security-Policy"].split(";"))
    assert csp["frame-ancestors"] == "'none'" and csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'" and "unsafe" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    if signed_in:
        assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


PRODUCTION_PROBE = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import override_settings

# Static files of a real deployment come from collectstatic's manifest; this probe has none.
with override_settings(STORAGES={"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}):
    client = Client(HTTP_HOST="vrm.example.org")
    plain = client.get("/accounts/login/")
    page = client.get("/accounts/login/", secure=True)
    login = client.post("/accounts/login/", {"username": "alice", "password": %r}, secure=True)

def flags(cookie):
    return {"secure": bool(cookie["secure"]), "httponly": bool(cookie["httponly"]), "samesite": cookie["samesite"]}

print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "page": page.status_code,
    "hsts": page.get("Strict-Transport-Security"),
    "login": login.status_code,
    "csrf_cookie": flags(page.cookies["csrftoken"]),
    "session_cookie": flags(login.cookies["sessionid"]),
}))
"""


@pytest.mark.django_db(transaction=True)
def test_production_settings_send_hsts_redirect_to_https_and_set_secure_httponly_cookies(tmp_path):
    PersonFactory(username="alice")
    env = dict(PRODUCTION, VRM_VAR_DIR=str(tmp_path), **child_database_env())

    result = run_python(PRODUCTION_PROBE % PASSWORD, env)

    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain"] == [301, "https://vrm.example.org/accounts/login/"]
    assert seen["page"] == 200 and seen["login"] == 302
    assert seen["hsts"] == "max-age=31536000; includeSubDomains"
    assert seen["csrf_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert seen["session_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}


# --- login throttling, over real HTTP ------------------------------------------------------------

def post_login(session, base, username, password):
    page = session.get(f"{base}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(f"{base}/accounts/login/", data={"username": username, "password": password,
                        "csrfmiddlewaretoken": token}, headers={"Referer": f"{base}/accounts/login/"},
                        timeout=10, allow_redirects=False)


@pytest.mark.django_db(transaction=True)
def test_login_is_throttled_after_repeated_failures_with_a_clear_message_and_the_lock_ends_by_itself(
    live_server, settings
):
    person = PersonFactory()
    session = requests.Session()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(session, live_server.url, person.username, "wrong password 1")

    locked = post_login(session, live_server.url, person.username, PASSWORD)
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    after_cooloff = post_login(session, live_server.url, person.username, PASSWORD)

    assert locked.status_code == 429
    assert "Too many failed logins" in locked.text and "The lock ends by itself" in locked.text
    assert "paused for 15 minutes" in locked.text and "0:15:00" not in locked.text
    assert "sessionid" not in locked.cookies
    assert after_cooloff.status_code == 302 and after_cooloff.headers["Location"] == "/landing/"


@pytest.mark.django_db(transaction=True)
def test_a_post_without_csrf_token_is_refused_over_real_http(live_server):
    person = PersonFactory()

    response = requests.post(f"{live_server.url}/accounts/login/",
                             data={"username": person.username, "password": PASSWORD}, timeout=10)

    assert response.status_code == 403
    assert "sessionid" not in response.cookies


# --- one person never reaches another's data -----------------------------------------------------

ID_TAKING = {name for name, pattern in portal_patterns(PORTAL_NAMESPACES) if "<" in pattern} - {"profile:edit"}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ID_TAKING))
@pytest.mark.parametrize("method", ["get", "post"])
def test_person_a_never_reaches_person_bs_objects_through_any_url_that_takes_an_id(client, name, method):
    world = World()
    client.force_login(world.a)
    before = snapshot()

    # B's objects; for the reset link, B's user id with a token made for A (B's own token is B's secret).
    response = getattr(client, method)(reverse(name, kwargs=world.kwargs_for(world.b, name, token_of=world.a)),
                                       {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.status_code in (404, 405) or (
        name == "accounts:password_reset_confirm" and "This link no longer works" in response.content.decode()
    ), (name, response.status_code)
    body = response.content.decode()
    assert "Bob-secret-value" not in body and "Shop of bob" not in body
    assert snapshot() == before


def test_the_table_of_id_taking_urls_is_complete():
    # A new portal URL with an id must be added to World.kwargs_for, and so to the test above.
    assert ID_TAKING == {"profile:delete_attribute", "accounts:password_reset_confirm",
                         "receipts:download", "receipts:withdraw", "consents:grant_detail", "consents:revoke",
                         "consents:pause", "consents:resume", "consents:narrow", "consents:shorten", "consents:leave",
                         "rights:file", "rights:detail", "rights:answer"}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/profile/", "/profile/identity/", "/profile/preferences/", "/profile/export/",
                                  "/profile/export.json", "/accounts/security/", "/connections/"])
def test_person_a_sees_only_their_own_profile_and_export(client, path):
    world = World()
    client.force_login(world.a)

    body = client.get(path).content.decode()

    assert "Bob-secret-value" not in body and "bob" not in body
    if path == "/connections/":
        assert "Shop of alice" in body and "Shop of bob" not in body
    elif path != "/accounts/security/":
        assert "Alice-secret-value" in body


@pytest.mark.django_db
def test_person_a_cannot_set_person_bs_custom_attribute_by_its_key(client):
    world = World()
    client.force_login(world.a)
    before = vault.read_profile(world.b, ["preferences"])

    client.post("/profile/preferences/", {world.b.attribute.key: "overwritten", f"{world.b.attribute.key}_": "x"})

    assert vault.read_profile(world.b, ["preferences"]) == before


# --- auditor pages -------------------------------------------------------------------------------

AUDIT_URLS = [reverse(name) for name, _ in portal_patterns({"audit", "rights_audit"})]
AUDIT_API = ["/api/v1/audit/entries", "/api/v1/audit/grants", "/api/v1/audit/overdue-deletions",
             "/api/v1/audit/checkpoints", "/api/v1/audit/status", "/api/v1/audit/log"]


def test_the_auditor_pages_exist():
    assert "/audit/" in AUDIT_URLS and len(AUDIT_URLS) >= 5


@pytest.mark.django_db
@pytest.mark.parametrize("role", [User.Role.PERSON, User.Role.VENDOR])
@pytest.mark.parametrize("path", AUDIT_URLS + AUDIT_API)
def test_persons_and_vendor_developers_never_reach_auditor_pages(client, role, path):
    make_grant(PersonFactory(), vendor_name="Seen by auditors only")
    client.force_login(PersonFactory(role=role))

    response = client.get(path)

    assert response.status_code in (401, 403), (path, response.status_code)
    assert "Seen by auditors only" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", AUDIT_URLS)
def test_an_anonymous_visitor_is_sent_to_log_in_from_auditor_pages(client, path):
    response = client.get(path)

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("path", AUDIT_URLS)
def test_an_auditor_does_reach_them(client, path):
    client.force_login(PersonFactory(role=User.Role.AUDITOR))

    assert client.get(path).status_code == 200
