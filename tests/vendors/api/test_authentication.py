"""The API's bearer-token authentication: header only (RFC 6750 section 2.1), RFC 6750 challenges on refusal."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.request import Request

from tests.factories import UserFactory, issue_token, make_grant
from vendors.api.authentication import BearerTokenAuthentication
from vendors.models import AccessToken

pytestmark = pytest.mark.django_db

PROFILE = "/api/v1/profile"
MISSING = 'Bearer realm="vrm",error="invalid_request",error_description="Send the access token in the Authorization header."'
IN_URL = (
    'Bearer realm="vrm",error="invalid_request",'
    'error_description="Send the access token in the Authorization header, not in the URL."'
)
NO_CREDENTIALS = 'Bearer realm="vrm"'


@pytest.fixture
def raw():
    return issue_token(make_grant(person=UserFactory(), scopes=("contact:read", "purchases:write")))


@pytest.mark.parametrize("header", ["Bearer {}", "bearer {}", "Bearer  {}", "Bearer\t{}"])
def test_a_bearer_header_authenticates_whatever_the_scheme_case_or_spacing(client, raw, header):
    response = client.get(PROFILE, HTTP_AUTHORIZATION=header.format(raw))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "header, challenge, detail",
    [
        (None, MISSING, "Send the access token in the Authorization header."),
        ("", NO_CREDENTIALS, "Authentication credentials were not provided."),
        ("Bearer", NO_CREDENTIALS, "Authentication credentials were not provided."),
        ("Basic dmVuZG9yOnNlY3JldA==", NO_CREDENTIALS, "Authentication credentials were not provided."),
        ("Bearer {} extra", NO_CREDENTIALS, "Authentication credentials were not provided."),
        (
            "Bearer not-a-token",
            'Bearer realm="vrm",error="invalid_token",error_description="The access token is invalid."',
            "The access token is invalid.",
        ),
    ],
)
def test_a_missing_or_malformed_header_is_a_401_with_a_bearer_challenge(client, raw, header, challenge, detail):
    headers = {} if header is None else {"HTTP_AUTHORIZATION": header.format(raw)}

    response = client.get(PROFILE, **headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == challenge
    assert response.json()["detail"] == detail


def test_an_expired_token_is_refused_as_expired(client):
    grant = make_grant(person=UserFactory())
    raw = issue_token(grant)
    AccessToken.objects.filter(consent=grant).update(expires=timezone.now() - timedelta(seconds=1))

    response = client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == (
        'Bearer realm="vrm",error="invalid_token",error_description="The access token has expired."'
    )


def test_a_token_in_the_url_is_refused_even_beside_a_valid_header(client, raw):
    response = client.get(f"{PROFILE}?access_token={raw}", HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == IN_URL


def test_a_token_in_the_body_is_refused(client, raw):
    response = client.post(
        "/api/v1/records", {"access_token": raw}, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 401 and response["WWW-Authenticate"] == MISSING


def test_a_caller_without_a_token_is_refused_before_its_body_is_parsed(client):
    response = client.post("/api/v1/records", "{not json", content_type="application/json")

    assert response.status_code == 401 and response["WWW-Authenticate"] == MISSING


@pytest.mark.parametrize("resource, status", [(["https://elsewhere.example/api/"], 401), (["http://testserver/api/"], 200)])
def test_a_resource_bound_token_works_only_at_its_resource(client, raw, resource, status):
    AccessToken.objects.update(resource=resource)

    response = client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert response.status_code == status
    if status == 401:
        assert "The access token is not valid for this resource." in response["WWW-Authenticate"]


def test_the_token_is_the_request_auth_with_its_grant_user_and_client_loaded_in_one_statement(
    rf, raw, django_assert_num_queries
):
    request = Request(rf.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {raw}"))

    with django_assert_num_queries(1):
        user, token = BearerTokenAuthentication().authenticate(request)
        loaded = (token.consent.status, token.application.client_id, token.user.pk)

    assert isinstance(token, AccessToken) and user == token.user == token.consent.person
    assert loaded == (token.consent.status, token.consent.client.client_id, token.consent.person_id)
