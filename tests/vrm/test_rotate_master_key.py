import base64
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from people.erasure import erase_person
from tests.factories import PersonFactory
from vrm import crypto, rotation, vault
from vrm.models import DataKey, Vault

pytestmark = pytest.mark.django_db

OLD = base64.urlsafe_b64encode(b"\x01" * 32).decode()
NEW = base64.urlsafe_b64encode(b"\x02" * 32).decode()


def people_with_profiles(count):
    people = PersonFactory.create_batch(count)
    for n, person in enumerate(people):
        vault.update_profile(person, category="identity", values={"given_name": f"Name {n}"})
    return people


def rotate(*args):
    out, err = StringIO(), StringIO()
    call_command("rotate_master_key", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_after_rotation_everything_decrypts_with_only_the_newest_key(settings):
    settings.VRM_MASTER_KEYS = [OLD]
    people = people_with_profiles(5)
    settings.VRM_MASTER_KEYS = [NEW, OLD]

    out, err = rotate("--json", "--batch-size", "2")
    settings.VRM_MASTER_KEYS = [NEW]

    assert json.loads(out) == {
        "newest_key_id": crypto.newest_key_id(), "rewrapped": 5, "batches": 3, "remaining": 0, "complete": True,
    }
    assert err.splitlines() == ["batch 1: re-wrapped 2/5, 3 left", "batch 2: re-wrapped 4/5, 1 left", "batch 3: re-wrapped 5/5, 0 left"]
    assert [vault.read_profile(p, ["identity"])["identity"]["given_name"] for p in people] == [f"Name {n}" for n in range(5)]


def test_an_interrupted_rotation_resumes_where_it_stopped(settings):
    settings.VRM_MASTER_KEYS = [OLD]
    people_with_profiles(5)
    settings.VRM_MASTER_KEYS = [NEW, OLD]
    first, _ = rotate("--json", "--batch-size", "2", "--max-batches", "1")

    second, _ = rotate("--json", "--batch-size", "2")

    assert json.loads(first)["remaining"] == 3 and json.loads(first)["complete"] is False
    assert json.loads(second)["rewrapped"] == 3 and json.loads(second)["complete"] is True
    assert set(DataKey.objects.values_list("key_id", flat=True)) == {crypto.newest_key_id()}


def test_rotation_skips_erased_vaults_and_has_nothing_to_do_the_second_time(settings):
    settings.VRM_MASTER_KEYS = [OLD]
    erased, _kept = people_with_profiles(2)
    erase_person(erased, actor=erased)
    settings.VRM_MASTER_KEYS = [NEW, OLD]
    rotate()

    out, _ = rotate()

    assert "0 data keys to re-wrap" in out and "Done" in out


def test_rotation_stops_clearly_when_an_old_master_key_was_dropped_too_early(settings):
    settings.VRM_MASTER_KEYS = [OLD]
    people_with_profiles(1)
    settings.VRM_MASTER_KEYS = [NEW]

    with pytest.raises(CommandError, match="is not loaded"):
        rotate()


def key_store_rows():
    return sorted((row.id, bytes(row.wrapped_key), row.key_id, row.rewrapped_at) for row in DataKey.objects.all())


def test_rotation_works_on_the_key_store_alone(settings):
    settings.VRM_MASTER_KEYS = [OLD]
    people_with_profiles(3)
    settings.VRM_MASTER_KEYS = [NEW, OLD]

    with CaptureQueriesContext(connection) as main_database_queries:
        done = rotation.rewrap_next_batch()

    assert done == 3 and len(main_database_queries) == 0
    assert DataKey.objects.filter(rewrapped_at__isnull=False).count() == 3


def test_a_rotation_that_stops_on_a_missing_master_key_changes_nothing(settings):
    settings.VRM_MASTER_KEYS = [OLD]
    people_with_profiles(3)
    before = key_store_rows()
    settings.VRM_MASTER_KEYS = [NEW]

    with pytest.raises(CommandError, match="stopped after 0 data keys: master key .* is not loaded"):
        rotate("--json")

    assert key_store_rows() == before


def test_a_wrapped_key_moved_to_another_reference_stops_the_rotation_and_changes_nothing(settings):
    settings.VRM_MASTER_KEYS = [OLD]
    first, second = (DataKey.objects.get(pk=Vault.objects.get(person=p).key_ref) for p in people_with_profiles(2))
    DataKey.objects.filter(pk=second.pk).update(wrapped_key=bytes(first.wrapped_key))
    before = key_store_rows()
    settings.VRM_MASTER_KEYS = [NEW, OLD]

    with pytest.raises(CommandError, match="integrity check"):
        rotate()

    assert key_store_rows() == before


def test_a_batch_size_below_one_is_refused_before_anything_is_read(settings):
    with pytest.raises(CommandError, match="at least 1"):
        rotate("--batch-size", "0")
