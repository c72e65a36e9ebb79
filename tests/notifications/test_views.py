import pytest
from django.core import mail

from notifications.models import DigestSubscription, Notice
from notifications.sweeps import run_notification_sweeps, unsubscribe_token
from tests.factories import UserFactory, VendorUserFactory
from tests.notifications.helpers import person_with_history

pytestmark = pytest.mark.django_db


def test_the_person_sees_their_notices_in_words(client):
    person, ending, _ = person_with_history()
    run_notification_sweeps()
    client.force_login(person)

    page = client.get("/notifications/").content.decode()

    assert "Your grant to Bakery ends" in page and 'href="https://bakery.example"' in page
    assert "Garage has not confirmed deleting your data" in page
    assert "Bakery read your E-mail address (2 times)" in page
    assert "contact.email" not in page and "contact:read" not in page


def test_let_it_end_dismisses_the_notice_and_only_the_persons_own(client):
    person, ending, _ = person_with_history()
    run_notification_sweeps()
    notice = Notice.objects.get(person=person, kind="grant_ending")
    client.force_login(UserFactory())
    foreign = client.post(f"/notifications/{notice.pk}/dismiss/")
    client.force_login(person)

    own = client.post(f"/notifications/{notice.pk}/dismiss/")

    notice.refresh_from_db()
    assert foreign.status_code == 302 and own.status_code == 302
    assert notice.dismissed_at is not None
    assert "Your grant to Bakery ends" not in client.get("/notifications/").content.decode()


def test_the_digest_goes_off_with_one_click_from_the_email(client):
    person, _, _ = person_with_history()
    run_notification_sweeps()
    link = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>").removeprefix("http://127.0.0.1:8000")

    shown = client.get(link)
    clicked = client.post(link)

    assert shown.status_code == 200 and DigestSubscription.objects.get(person=person).email_enabled is False
    assert clicked.status_code == 200 and "is off" in clicked.content.decode()


def test_a_forged_unsubscribe_link_is_a_404_and_changes_nothing(client):
    person, _, _ = person_with_history()
    token = unsubscribe_token(person)

    response = client.post(f"/notifications/digest/off/{token[:-2]}xx/")

    assert response.status_code == 404 and not DigestSubscription.objects.filter(email_enabled=False).exists()


def test_the_person_turns_the_digest_off_and_on_in_the_portal(client):
    person = UserFactory()
    client.force_login(person)

    client.post("/notifications/digest/")
    off = DigestSubscription.objects.get(person=person).email_enabled
    client.post("/notifications/digest/", {"email_enabled": "on"})

    assert (off, DigestSubscription.objects.get(person=person).email_enabled) == (False, True)


def test_notifications_are_for_persons(client):
    client.force_login(VendorUserFactory())

    assert client.get("/notifications/").status_code == 403
