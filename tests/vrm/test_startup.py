"""Start-up refusal when the master key that wrapped stored data keys is not loaded, for every process type."""

import base64

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from people.erasure import erase_person
from tests.factories import PersonFactory
from tests.processes import child_database_env
from tests.vrm.test_settings import PRODUCTION, run_python
from vrm import crypto, vault
from vrm.startup import check_master_keys

pytestmark = pytest.mark.django_db(transaction=True)


def master_key(byte):
    return base64.urlsafe_b64encode(bytes([byte]) * 32).decode()


STORED, OTHER = master_key(0x51), master_key(0x52)
STORED_ID = crypto.key_id_for(bytes([0x51]) * 32)
KEY_FILES = {"secret_key", "master_keys", "signing_key", "pseudonym_key", "celerybeat-schedule"}

# (name, command line): every way this project starts a process that reads or writes the vaults.
PROCESSES = [
    ("gunicorn", ["-m", "gunicorn", "vrm.wsgi", "--bind", "127.0.0.1:0", "--workers", "1"]),
    # What an ASGI server does first: import the application.
    ("asgi", ["-c", "import vrm.asgi"]),
    ("runserver", ["manage.py", "runserver", "--noreload", "127.0.0.1:0"]),
    ("migrate", ["manage.py", "migrate", "--noinput"]),
    ("check", ["manage.py", "check"]),
    ("worker", ["-m", "celery", "-A", "vrm", "worker", "--pool", "solo", "--without-mingle", "--without-gossip",
                "-Q", "startup-test"]),
    ("beat", ["-m", "celery", "-A", "vrm", "beat", "-s", "{var}/celerybeat-schedule"]),
]


@pytest.fixture
def stored_vaults(settings):
    """Two people whose data keys are wrapped by STORED, one erased person (no key any more)."""
    settings.VRM_MASTER_KEYS = [STORED]
    for person in PersonFactory.create_batch(2):
        vault.ensure_vault(person)
        vault.update_profile(person, category="identity", values={"given_name": "Ada"})
    erase_person(PersonFactory(), actor=None)


def row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def start(args, tmp_path, master_keys):
    env = dict(PRODUCTION, VRM_MASTER_KEYS=master_keys, VRM_VAR_DIR=str(tmp_path), **child_database_env())
    # A process that wrongly starts runs until run_python's timeout, which fails the test.
    return run_python([arg.replace("{var}", str(tmp_path)) for arg in args], env)


@pytest.mark.parametrize("name, args", PROCESSES, ids=[name for name, _ in PROCESSES])
def test_a_process_without_the_stored_master_key_refuses_to_start_naming_it_and_writes_nothing(
    stored_vaults, tmp_path, name, args
):
    before = row_counts()

    result = start(args, tmp_path, master_keys=OTHER)

    assert result.returncode != 0, result.stderr[-2000:]
    assert f"does not hold the master key(s) {STORED_ID}" in result.stdout + result.stderr
    assert row_counts() == before
    assert not KEY_FILES & {path.name for path in tmp_path.iterdir()}


def test_the_check_passes_when_the_stored_key_follows_a_newer_one(stored_vaults, tmp_path):
    result = start(["manage.py", "check"], tmp_path, master_keys=f"{OTHER},{STORED}")

    assert result.returncode == 0, result.stderr
    assert "vrm.E001" not in result.stderr


@pytest.mark.parametrize("module", ["vrm.wsgi", "vrm.asgi"])
def test_the_web_application_loads_with_the_stored_key(stored_vaults, tmp_path, module):
    result = start(["-c", f"import {module}; print('loaded')"], tmp_path, master_keys=STORED)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "loaded"


def test_the_system_check_names_every_missing_key_in_one_error(stored_vaults, settings):
    person = PersonFactory()
    settings.VRM_MASTER_KEYS = [OTHER]
    vault.ensure_vault(person)  # one vault under OTHER, two under STORED
    settings.VRM_MASTER_KEYS = [master_key(0x53)]

    errors = check_master_keys()

    assert [error.id for error in errors] == ["vrm.E001"]
    assert ", ".join(sorted([STORED_ID, crypto.key_id_for(bytes([0x52]) * 32)])) in errors[0].msg


def test_the_master_keys_in_use_are_read_from_the_key_store_alone(stored_vaults, settings):
    settings.VRM_MASTER_KEYS = [OTHER]

    with CaptureQueriesContext(connection) as main_database_queries:
        errors = check_master_keys()

    assert [error.id for error in errors] == ["vrm.E001"] and STORED_ID in errors[0].msg
    assert len(main_database_queries) == 0


def test_a_fresh_database_without_vaults_passes(settings):
    settings.VRM_MASTER_KEYS = [OTHER]

    assert check_master_keys() == []


def test_a_malformed_master_key_is_an_error_of_the_check(settings):
    settings.VRM_MASTER_KEYS = ["not-a-key"]

    assert [error.id for error in check_master_keys()] == ["vrm.E002"]


def test_the_settings_refusal_still_comes_first_when_no_master_key_is_given(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "VRM_MASTER_KEYS"}

    result = run_python("import vrm.wsgi", dict(env, VRM_VAR_DIR=str(tmp_path)))

    assert result.returncode != 0
    assert "VRM_MASTER_KEYS is not set" in result.stderr
    assert list(tmp_path.iterdir()) == []
