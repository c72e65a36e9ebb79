import pytest
from django.core import mail

from notifications.models import DigestSubscription
from notifications.sweeps import run_notification_sweeps
from tests.e2e.accessibility import WIDTHS, Walk
from tests.factories import PASSWORD
from tests.notifications.helpers import person_with_history

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", WIDTHS)
def test_a_person_reads_their_notifications_lets_a_grant_end_and_turns_the_digest_off(page, live_server, width):
    person, _, _ = person_with_history()
    run_notification_sweeps()
    off_link = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>").replace(
        "http://127.0.0.1:8000", live_server.url)
    walk = Walk(page, width)

    page.goto("/accounts/login/?next=/notifications/")
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/notifications/")
    walk.check()
    before = page.locator("main").inner_text()
    page.get_by_role("button", name="Let it end").click()
    after = page.locator("main").inner_text()
    page.goto(off_link)
    walk.check("digest off")
    page.get_by_role("button", name="Turn off the e-mail digest").click()
    done = page.locator("main").inner_text()

    assert walk.found == {}
    assert "Your grant to Bakery ends" in before and "Your grant to Bakery ends" not in after
    assert "Garage has not confirmed deleting your data" in after
    assert "is off" in done and DigestSubscription.objects.get(person=person).email_enabled is False
