import re

import pytest

from notifications.models import DigestSubscription, Notice
from notifications.tasks import run_notification_sweeps
from tests.notifications.helpers import person_with_history
from tests.processes import wait_until

pytestmark = pytest.mark.integration


def test_the_worker_runs_the_sweep_twice_and_the_person_gets_one_notice_each_and_one_digest(worker, tmp_path):
    person, ending, overdue = person_with_history()

    run_notification_sweeps.delay()
    run_notification_sweeps.delay()

    wait_until(lambda: DigestSubscription.objects.filter(person=person, last_sent_at__isnull=False).exists(),
               message="the digest")
    # The console mail backend writes the digest to the worker's log; wait for the second run to finish too.
    log = tmp_path / "worker.log"
    finished = re.compile(r"notifications\.tasks\.run_notification_sweeps\[[^\]]+\] succeeded in")
    wait_until(lambda: len(finished.findall(log.read_text())) == 2, message="both runs")
    assert sorted(Notice.objects.filter(person=person).values_list("kind", flat=True)) == [
        "deletion_overdue", "grant_ending", "reads",
    ]
    assert log.read_text().count("Bakery read your E-mail address (2 times)") == 1
