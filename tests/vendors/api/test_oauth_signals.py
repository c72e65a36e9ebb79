"""The API's RFC 6750 / RFC 6585 signals beside its problem bodies, so that standard clients react right."""

from datetime import datetime, timezone as dt_timezone
import pytest

from consents.exceptions import RateLimited
from consents.grants import count_read
from tests.factories import make_client, make_grant
from tests.vendors.flow import tokens_for

pytestmark = pytest.mark.django_db


def test_a_missing_scope_is_a_403_with_an_insufficient_scope_challenge(client, person):
    oauth_client, secret = make_client()
    tokens = tokens_for(client, oauth_client, secret, person, scope="purchases:write")

    response = client.get("/api/v1/profile", HTTP_AUTHORIZATION="Bearer " + tokens["access_token"])

    assert response.status_code == 403 and response.json()["type"].endswith("scope-not-granted")
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith("Bearer ") and 'error="insufficient_scope"' in challenge and 'scope="' in challenge
    assert "contact:read" in challenge


def test_the_daily_read_limit_answers_429_with_retry_after(client, person):
    oauth_client, secret = make_client()
    tokens = tokens_for(client, oauth_client, secret, person, max_reads_per_day="1")
    bearer = "Bearer " + tokens["access_token"]

    first = client.get("/api/v1/profile", HTTP_AUTHORIZATION=bearer)
    second = client.get("/api/v1/profile", HTTP_AUTHORIZATION=bearer)

    assert first.status_code == 200
    assert second.status_code == 429 and 1 <= int(second["Retry-After"]) <= 24 * 3600


def test_retry_after_counts_to_the_next_utc_midnight():
    grant = make_grant(max_reads_per_day=1)
    now = datetime(2026, 3, 1, 23, 59, 30, tzinfo=dt_timezone.utc)
    count_read(grant, now=now)

    with pytest.raises(RateLimited) as refused:
        count_read(grant, now=now)

    assert refused.value.headers == {"Retry-After": "30"}
