"""The offline verifier, run as an auditor would: a separate Python process given files, without Django."""

import json
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import transaction

from audit.checkpoints import sign_checkpoint
from audit.log import record_access, record_grant_event
from audit.models import Receipt
from tests.factories import GrantFactory, chain_audit_log
from vrm.settings import BASE_DIR

pytestmark = pytest.mark.django_db

# Django made unimportable: the script must need only the standard library and cryptography.
RUN_WITHOUT_DJANGO = (
    "import runpy, sys; sys.modules['django'] = None; sys.argv = sys.argv[1:]; "
    "runpy.run_path(sys.argv[0], run_name='__main__')"
)


def standalone(*args):
    return subprocess.run(
        [sys.executable, "-c", RUN_WITHOUT_DJANGO, str(BASE_DIR / "audit" / "standalone_verify.py"), *args],
        capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"},
    )


@pytest.fixture
def public_key(client, tmp_path):
    path = tmp_path / "vrm-signing-key.json"
    path.write_bytes(client.get("/.well-known/vrm-signing-key").content)
    return str(path)


@pytest.fixture
def exported_log(tmp_path):
    grant = GrantFactory()
    with transaction.atomic():
        record_grant_event(grant, "created", actor=grant.person)
        for number in range(4):
            record_access(grant, action="read", fields=["email"], outcome="ok", request_id=f"req-{number}")
    chain_audit_log()
    sign_checkpoint()
    path = tmp_path / "audit-log.jsonl"
    call_command("export_audit_log", "--output", str(path))
    return path


def test_an_exported_log_verifies_offline(exported_log, public_key):
    result = standalone("log", str(exported_log), "--public-key", public_key, "--json")

    report = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr
    assert (report["ok"], report["verified_size"], report["checkpoints_checked"]) == (True, 5, 1)


def test_a_changed_line_in_the_export_fails_offline_and_names_the_entry(exported_log, public_key):
    lines = exported_log.read_text().splitlines(keepends=True)
    entry_three = next(i for i, line in enumerate(lines) if '"seq":3,' in line)
    lines[entry_three] = lines[entry_three].replace("req-1", "req-9")
    exported_log.write_text("".join(lines))

    result = standalone("log", str(exported_log), "--public-key", public_key)

    assert result.returncode == 1
    assert "entry 3 does not match its hash" in result.stdout


def test_the_wrong_public_key_fails_the_checkpoints(exported_log, tmp_path):
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}))

    result = standalone("log", str(exported_log), "--public-key", str(other))

    assert result.returncode == 1 and "no valid signature" in result.stdout


def test_a_receipt_downloaded_by_the_person_verifies_offline(client, public_key, tmp_path):
    grant = GrantFactory()
    with transaction.atomic():
        record_grant_event(grant, "created", actor=grant.person)
    receipt = Receipt.objects.get()
    client.force_login(grant.person)
    path = tmp_path / "receipt.json"
    path.write_bytes(client.get(f"/receipts/{receipt.id}/download").content)

    result = standalone("receipt", str(path), "--public-key", public_key)

    assert result.returncode == 0, result.stderr
    assert f"verified: receipt {receipt.id} for consent record {grant.pk}, status given" in result.stdout


def test_a_receipt_with_a_changed_readable_copy_or_signature_fails_offline(public_key, tmp_path):
    grant = GrantFactory()
    with transaction.atomic():
        record_grant_event(grant, "created", actor=grant.person)
    document = Receipt.objects.get().document()
    document["receipt"]["expiry"] = "2099-01-01T00:00:00.000000Z"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(document))
    head, payload, signature = document["jws"].split(".")
    forged = tmp_path / "forged.jws"
    forged.write_text(f"{head}.{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}")

    results = [standalone("receipt", str(path), "--public-key", public_key) for path in (edited, forged)]

    assert [r.returncode for r in results] == [1, 1]
    assert "readable copy in the file differs" in results[0].stdout
    assert "signature does not match" in results[1].stdout


def test_garbage_input_is_a_clear_error(public_key, tmp_path):
    path = tmp_path / "junk.txt"
    path.write_text("not a receipt")

    result = standalone("receipt", str(path), "--public-key", public_key)

    assert result.returncode == 2 and "compact JWS" in result.stderr


@pytest.mark.parametrize(
    "line",
    ['{"type":"entry","seq":"1","hash":"x","entry":{}}', '{"type":"checkpoint","size":1}', "[1, 2]", "{nope"],
    ids=["a seq that is not a number", "a checkpoint without a signature", "not an object", "not JSON"],
)
def test_a_malformed_export_is_a_clear_error_not_a_crash(exported_log, public_key, line):
    lines = exported_log.read_text().splitlines()
    exported_log.write_text("\n".join([lines[0], line, *lines[1:]]) + "\n")

    result = standalone("log", str(exported_log), "--public-key", public_key)

    assert result.returncode == 2 and result.stderr.startswith("error: line 2")
