"""The authorization code flow driven through Django's test client (the browser's part and the vendor's)."""

from urllib.parse import parse_qs, urlencode, urlsplit

from tests.factories import REDIRECT_URI, pkce_pair


def authorize_params(oauth_client, scope="contact:read address:read", **extra):
    verifier, challenge = pkce_pair()
    params = {
        "response_type": "code",
        "client_id": oauth_client.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": "state-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return {key: value for key, value in params.items() if value is not None}, verifier


def consent_screen(browser, oauth_client, **extra):
    params, verifier = authorize_params(oauth_client, **extra)
    return browser.get("/o/authorize/?" + urlencode(params)), verifier


def answer(browser, screen, *, allow=True, granted=None, duration=None):
    """Submit the consent form as shown, with the person's choices."""
    form = screen.context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, "")}
    data["granted_scopes"] = granted if granted is not None else form.initial["granted_scopes"]
    if duration:
        data["granted_duration"] = duration
    data["allow" if allow else "deny"] = "on"
    return browser.post("/o/authorize/", data)


def query_of(response):
    return {key: values[0] for key, values in parse_qs(urlsplit(response["Location"]).query).items()}


def exchange(browser, oauth_client, secret, code, verifier):
    return browser.post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
            "client_id": oauth_client.client_id,
            "client_secret": secret,
        },
    )


def tokens_for(browser, oauth_client, secret, person, **extra):
    """Run the whole flow for `person` (allowing what is asked); returns the token response JSON."""
    browser.force_login(person)
    screen, verifier = consent_screen(browser, oauth_client, **extra)
    code = query_of(answer(browser, screen))["code"]
    browser.logout()
    return exchange(browser, oauth_client, secret, code, verifier).json()
