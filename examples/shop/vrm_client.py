"""Everything the shop says to the VRM server: discovery, authorization code with PKCE (Authlib), the
profile read, webhook signatures and the deletion confirmation."""

import hashlib
import hmac
import time

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

import settings


def metadata():
    """RFC 8414 discovery: the server names its own endpoints."""
    response = requests.get(f"{settings.VRM_URL}/.well-known/oauth-authorization-server", timeout=10)
    response.raise_for_status()
    return response.json()


def session(token=None):
    return OAuth2Session(
        client_id=settings.CLIENT_ID, client_secret=settings.CLIENT_SECRET, redirect_uri=settings.REDIRECT_URI,
        scope=settings.SCOPES, code_challenge_method="S256", token=token,
    )


def start_authorization():
    """Returns (url to send the person to, state, PKCE verifier); keep the last two until the callback."""
    verifier = generate_token(48)
    url, state = session().create_authorization_url(metadata()["authorization_endpoint"], code_verifier=verifier)
    return url, state, verifier


def finish_authorization(callback_url, state, verifier):
    """Exchange the code (checking state) and read the profile the person allowed; returns the profile response."""
    oauth = session()
    oauth.state = state
    token = oauth.fetch_token(
        metadata()["token_endpoint"], authorization_response=callback_url, code_verifier=verifier, state=state,
    )
    response = session(token).get(f"{settings.VRM_URL}/api/v1/profile", timeout=10)
    response.raise_for_status()
    return response.json()


def is_from_vrm(body: bytes, header: str, tolerance=300) -> bool:
    """VRM-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body" with the webhook signing secret>."""
    if not settings.WEBHOOK_SECRET:
        return False
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if not parts.get("t", "").isdigit() or abs(time.time() - int(parts["t"])) > tolerance:
        return False
    expected = hmac.new(settings.WEBHOOK_SECRET.encode(), parts["t"].encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts.get("v1", ""))


def confirm_deletion(grant_id):
    """Tell the server we deleted what we read under this grant (the grant's tokens are gone: HTTP Basic)."""
    response = requests.post(
        f"{settings.VRM_URL}/api/v1/grant/deletion-confirmation", json={"grant_id": grant_id},
        auth=(settings.CLIENT_ID, settings.CLIENT_SECRET), timeout=10,
    )
    response.raise_for_status()
    return response.json()
