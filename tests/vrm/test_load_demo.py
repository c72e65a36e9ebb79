import json
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def load_demo():
    out = StringIO()
    call_command("load_demo", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_it_prints_working_credentials_for_a_person_a_vendor_and_an_auditor(django_user_model):
    credentials = load_demo()

    for role in ("person", "vendor", "auditor"):
        user = django_user_model.objects.get(username=credentials[role]["username"])
        assert user.role == role
        assert user.check_password(credentials[role]["password"])


def test_running_it_again_keeps_the_accounts_and_replaces_their_passwords(django_user_model):
    first = load_demo()
    users_before = django_user_model.objects.count()

    second = load_demo()

    assert django_user_model.objects.count() == users_before
    assert first["person"]["password"] != second["person"]["password"]
    person = django_user_model.objects.get(username=first["person"]["username"])
    assert not person.check_password(first["person"]["password"])
    assert person.check_password(second["person"]["password"])
