"""A vendor's generated client works unchanged: openapi-python-client builds one from the schema the live server
serves (into a temporary folder; nothing generated is kept), and it runs every vendor operation against that
server with typed responses and typed problems. The schema also passes openapi-spec-validator."""

import base64
import importlib
import subprocess
import sys
import uuid

import pytest
import requests
from openapi_spec_validator import validate

from audit.log import record_grant_event
from consents.grants import pause_grant, resume_grant, revoke_grant
from tests.factories import issue_token, make_client, make_grant
from vrm import vault

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
PACKAGE = "vrm_api_client"


@pytest.fixture
def schema(live_server):
    response = requests.get(f"{live_server.url}/api/schema/", params={"format": "json"}, timeout=10)
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def generated(schema, tmp_path):
    """The client package generated from the served schema, imported from a temporary folder."""
    import json

    (tmp_path / "schema.json").write_text(json.dumps(schema))
    (tmp_path / "config.yml").write_text(f"project_name_override: vrm-api-client\npackage_name_override: {PACKAGE}\n"
                                         "post_hooks: []\n")
    result = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", "schema.json", "--config", "config.yml",
         "--meta", "none", "--output-path", PACKAGE],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        modules = {name: importlib.import_module(f"{PACKAGE}.{name}") for name in ["client", "models", "types"]}
        for operation in ["read_profile", "read_grant", "add_record", "list_receipts", "get_receipt",
                          "verify_receipt", "confirm_deletion"]:
            modules[operation] = importlib.import_module(f"{PACKAGE}.api.v1.{operation}")
        yield modules
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


@pytest.fixture
def vendor():
    """A registered client with a live grant (contact read, purchases write) and a receipt for it."""
    oauth_client, secret = make_client()
    grant = make_grant(client=oauth_client, scopes=("contact:read", "purchases:write"))
    vault.update_profile(grant.person, category="contact", values={"email": "ada@example.org"})
    record_grant_event(grant, "created", actor=grant.person)
    return grant, issue_token(grant, refresh=False), secret


def test_the_served_schema_is_a_valid_openapi_document(schema):
    validate(schema)

    bodies = [operation["requestBody"]["content"] for path in schema["paths"].values()
              for operation in path.values() if "requestBody" in operation]
    assert bodies and all(list(content) == ["application/json"] for content in bodies)


def test_a_generated_client_runs_every_vendor_operation(live_server, generated, vendor):
    grant, token, secret = vendor
    models, v1 = generated["models"], generated
    api = generated["client"].AuthenticatedClient(base_url=live_server.url, token=token, raise_on_unexpected_status=True)
    anyone = generated["client"].Client(base_url=live_server.url, raise_on_unexpected_status=True)
    basic = base64.b64encode(f"{grant.client.client_id}:{secret}".encode()).decode()
    as_client = generated["client"].AuthenticatedClient(base_url=live_server.url, token=basic, prefix="Basic",
                                                        raise_on_unexpected_status=True)

    profile = v1["read_profile"].sync(client=api)
    terms = v1["read_grant"].sync(client=api)
    record = v1["add_record"].sync(client=api, body=models.RecordInput(
        data=models.RecordInputData.from_dict({"item": "Rain jacket", "price": "89.00"}), retention="P2Y"))
    receipts = v1["list_receipts"].sync(client=api)
    receipt = v1["get_receipt"].sync(receipts[0].id, client=api)
    verified = v1["verify_receipt"].sync(client=anyone, body=models.VerifyReceiptInput(receipt=receipt.to_dict()))
    still_live = v1["confirm_deletion"].sync(client=as_client, body=models.DeletionConfirmationInput(grant_id=grant.pk))
    revoke_grant(grant, actor=grant.person)
    confirmed = v1["confirm_deletion"].sync(client=as_client, body=models.DeletionConfirmationInput(grant_id=grant.pk))

    assert isinstance(profile, models.Profile) and profile.profile["contact"]["email"] == "ada@example.org"
    assert isinstance(terms, models.Grant) and terms.status == models.GrantStatusEnum.ACTIVE
    assert terms.scopes == ["contact:read", "purchases:write"] and terms.max_reads_per_day is None
    assert isinstance(record, models.Record) and record.category == "purchases"
    assert [type(item) for item in receipts] == [models.ReceiptDocument] and receipt.id == receipts[0].id
    assert isinstance(verified, models.VerifiedReceipt) and verified.valid
    assert isinstance(still_live, models.Problem) and still_live.type_ == models.ProblemType.GRANT_LIVE
    assert isinstance(confirmed, models.DeletionConfirmed) and confirmed.grant_id == grant.pk


def test_a_generated_client_gets_typed_problems(live_server, generated, vendor):
    grant, token, _ = vendor
    models, v1 = generated["models"], generated
    api = generated["client"].AuthenticatedClient(base_url=live_server.url, token=token, raise_on_unexpected_status=True)
    anyone = generated["client"].Client(base_url=live_server.url, raise_on_unexpected_status=True)
    stranger = generated["client"].AuthenticatedClient(base_url=live_server.url, token="not-a-token",
                                                       raise_on_unexpected_status=True)

    unknown_receipt = v1["get_receipt"].sync(uuid.uuid4(), client=api)
    bad_record = v1["add_record"].sync(client=api, body=models.RecordInput(
        data=models.RecordInputData.from_dict({"item": "x"}), retention="forever"))
    forged = v1["verify_receipt"].sync(client=anyone, body=models.VerifyReceiptInput(receipt="e30.e30.c2ln"))
    unauthenticated = v1["read_grant"].sync(client=stranger)
    pause_grant(grant, actor=grant.person)
    paused = v1["read_profile"].sync(client=api)
    resume_grant(grant, actor=grant.person)

    assert unknown_receipt.type_ == models.ProblemType.NOT_FOUND
    assert bad_record.type_ == models.ProblemType.INVALID_REQUEST and "retention" in bad_record.errors.to_dict()
    assert forged.type_ == models.ProblemType.RECEIPT_NOT_VERIFIED and forged.status == 422
    assert unauthenticated.type_ == models.ProblemType.NOT_AUTHENTICATED
    assert paused.type_ == models.ProblemType.GRANT_PAUSED and paused.status == 403
    assert all(isinstance(problem, models.Problem) for problem in [unknown_receipt, bad_record, forged, paused])
