import json

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from vendors.models import OAuthClient
from vrm.models import User

pytestmark = pytest.mark.django_db


def test_create_auditor_prints_a_password_that_logs_in(capsys):
    call_command("create_auditor", "alice", "--email", "alice@audit.example", "--json")

    printed = json.loads(capsys.readouterr().out)
    user = authenticate(RequestFactory().post("/"), username="alice", password=printed["password"])
    assert user is not None and user.role == User.Role.AUDITOR and user.email == "alice@audit.example"
    assert "client_id" not in printed


def test_create_auditor_with_a_client_registers_a_client_credentials_client(capsys):
    call_command("create_auditor", "bob", "--client", "--json")

    printed = json.loads(capsys.readouterr().out)
    client = OAuthClient.objects.get(client_id=printed["client_id"])
    assert client.user.username == "bob" and client.vendor is None
    assert client.authorization_grant_type == OAuthClient.GRANT_CLIENT_CREDENTIALS
    assert client.client_secret != printed["client_secret"]  # stored hashed
    assert printed["scope"] == "audit:read"


@pytest.mark.parametrize("username", ["taken", "TAKEN", "no spaces allowed"])
def test_create_auditor_refuses_a_taken_or_invalid_name_and_creates_nothing(username):
    User.objects.create(username="taken")

    with pytest.raises(CommandError):
        call_command("create_auditor", username, "--client")

    assert User.objects.count() == 1 and not OAuthClient.objects.exists()
