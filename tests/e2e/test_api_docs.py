"""/api/docs/ in a real browser: "Try it out" works with a pasted bearer token, and its Authorize starts the
authorization code flow with PKCE (S256), returning to the oauth2-redirect page the server serves."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.factories import issue_token, make_grant

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def open_authorize_dialog(page):
    page.goto("/api/docs/")
    page.locator(".btn.authorize").first.click()
    return page.locator(".modal-ux")


def test_try_it_out_reads_the_grant_with_a_pasted_bearer_token(page):
    grant = make_grant(scopes=("contact:read",))
    token = issue_token(grant, refresh=False)

    dialog = open_authorize_dialog(page)
    bearer = dialog.locator(".auth-container", has_text="bearerAuth")
    bearer.locator("input").fill(token)
    bearer.locator("button.authorize").click()
    dialog.locator("button.btn-done").first.click()
    operation = page.locator("#operations-v1-read_grant")
    operation.locator(".opblock-summary").click()
    operation.locator(".try-out__btn").click()
    operation.locator(".execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()

    assert status.inner_text().strip().startswith("200")
    assert str(grant.pk) in operation.locator(".live-responses-table tbody .microlight").first.inner_text()


def test_authorize_starts_the_code_flow_with_pkce_and_returns_to_a_served_page(page, live_server):
    requested = []
    page.context.on("request", lambda request: requested.append(request.url))
    dialog = open_authorize_dialog(page)
    oauth = dialog.locator(".auth-container", has_text="authorizationCode")
    oauth.locator("#client_id_authorizationCode").fill("docs-client")
    oauth.locator("label[for='contact:read-authorizationCode-checkbox-oauth2']").click()

    with page.context.expect_page() as popup_info:
        dialog.get_by_role("button", name="Apply given OAuth2 credentials").click()
    popup_info.value.wait_for_load_state()
    redirect_page = page.request.get(f"{live_server.url}/api/docs/oauth2-redirect.html")
    redirect_script = page.request.get(f"{live_server.url}/static/drf_spectacular_sidecar/swagger-ui-dist/oauth2-redirect.js")

    authorize = [url for url in requested if urlsplit(url).path == "/o/authorize/"]
    params = parse_qs(urlsplit(authorize[0]).query)
    assert params["code_challenge_method"] == ["S256"] and len(params["code_challenge"][0]) >= 43
    assert params["response_type"] == ["code"] and params["client_id"] == ["docs-client"]
    assert params["scope"] == ["contact:read"] and params["state"][0]
    assert params["redirect_uri"] == [f"{live_server.url}/api/docs/oauth2-redirect.html"]
    assert redirect_page.status == 200 and "oauth2-redirect.js" in redirect_page.text() and redirect_script.ok
