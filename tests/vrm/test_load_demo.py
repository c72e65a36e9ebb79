import json
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def load_demo():
    out = StringIO()
    call_command("load_demo", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_it_prints_working_credentials_for_a_person_a_vendor_and_an_auditor(client):
    credentials = load_demo()

    for role in ("person", "vendor", "auditor"):
        assert client.login(username=credentials[role]["username"], password=credentials[role]["password"]), role
        client.logout()


def test_running_it_again_keeps_the_accounts_and_replaces_their_passwords(client, django_user_model):
    first = load_demo()
    users_before = django_user_model.objects.count()

    second = load_demo()

    assert django_user_model.objects.count() == users_before
    assert first["person"]["password"] != second["person"]["password"]
    assert not client.login(username=first["person"]["username"], password=first["person"]["password"])
