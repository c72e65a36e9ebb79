"""The bench's seed goes through the project's services: what it seeds, the real vendor API serves."""

import pytest
from rest_framework.exceptions import NotAuthenticated
from rest_framework.test import APIClient

from bench.grant_decision import decision_timer
from bench.seed import bulk_clients, bulk_grants, bulk_people, seed_reader
from consents.models import Grant
from vendors.models import AccessToken

pytestmark = pytest.mark.django_db


def test_the_seeded_reader_reads_ten_values_through_the_vendor_api():
    reader = seed_reader()

    response = APIClient().get("/api/v1/profile", HTTP_AUTHORIZATION=f"Bearer {reader.token}")

    assert response.status_code == 200
    assert sum(len(values) for values in response.json()["profile"].values()) == 10


def test_bulk_grants_each_get_a_token_tied_to_their_grant():
    reader = seed_reader()
    clients = bulk_clients(reader.client, 3, "extra")
    people = bulk_people(2, "crowd")

    bulk_grants([(reader.person.pk, client_id) for client_id in clients] + [(person, clients[0]) for person in people])

    grants = Grant.objects.exclude(pk=reader.grant.pk)
    assert grants.count() == 5
    assert sorted(AccessToken.objects.filter(consent__in=grants).values_list("consent_id", flat=True)) == sorted(
        grants.values_list("pk", flat=True)
    )


def test_the_grant_decision_benchmark_times_an_allowed_decision():
    reader = seed_reader()

    duration = decision_timer(reader.token)()

    assert isinstance(duration, float)


def test_the_grant_decision_benchmark_runs_the_real_check_which_refuses_an_unknown_token():
    seed_reader()

    with pytest.raises(NotAuthenticated):
        decision_timer("not-a-token")()
