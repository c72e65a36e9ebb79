import pytest
from django.core.management import call_command

from vrm import vault
from vrm.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_person_gets_an_encrypted_profile_and_a_second_run_keeps_it(capsys):
    call_command("load_demo", "--json")
    call_command("load_demo", "--json")

    person = User.objects.get(username="demo-person")
    assert vault.read_profile(person, ["identity", "address"]) == {
        "identity": {"given_name": "Dana", "family_name": "Demo"},
        "address": {"street": "1 Example Street", "postal_code": "EX1 1AA", "city": "London", "country": "GB"},
    }
