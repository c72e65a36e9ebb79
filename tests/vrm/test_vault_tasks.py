import pytest

from people.erasure import erase_person
from tests.factories import PersonFactory
from tests.processes import wait_until
from vrm import vault
from vrm.models import ProfileValue, Vault

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_worker_purges_the_erased_vaults_rows_after_the_erasure_commits(worker):
    person = PersonFactory()
    vault.update_profile(person, category="identity", values={"given_name": "Ada"})

    erase_person(person, actor=person)

    wait_until(lambda: Vault.objects.filter(person=person, purged_at__isnull=False).exists(), message="purge")
    assert not ProfileValue.objects.filter(vault__person=person).exists()


def test_every_periodic_sweep_names_a_task_the_worker_knows(settings):
    from vrm.celery import app

    app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    unknown = {name: entry["task"] for name, entry in schedule.items() if entry["task"] not in app.tasks}

    assert "purge-unreferenced-data-keys" in schedule
    assert not unknown
