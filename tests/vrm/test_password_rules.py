"""A password like the username is refused on every form that sets one, over real HTTP."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories import PASSWORD, PersonFactory
from tests.vrm.test_reauthentication import Browser, logged_in
from vrm.models import User
from vrm.passwords import UserAttributeSimilarityValidator


SIMILAR = "The password is too similar to the username."


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("password", ["personc-personc", "personc1234567", "2024 personc!"])
def test_sign_up_refuses_a_password_made_of_the_username(live_server, password):
    browser = Browser(live_server.url)

    response = browser.post("/accounts/signup/", {"username": "personc", "email": "c@example.org",
                                                  "password1": password, "password2": password})

    assert response.status_code == 200 and SIMILAR in response.text
    assert not User.objects.filter(username="personc").exists()


@pytest.mark.django_db(transaction=True)
def test_password_change_refuses_a_password_made_of_the_username(live_server):
    person = PersonFactory()
    browser = logged_in(live_server, person)
    similar = f"{person.username}-{person.username}"

    response = browser.post("/accounts/password/change/", {"old_password": PASSWORD, "new_password1": similar,
                                                           "new_password2": similar})

    person.refresh_from_db()
    assert response.status_code == 200 and SIMILAR in response.text
    assert person.check_password(PASSWORD)


@pytest.mark.django_db(transaction=True)
def test_sign_up_accepts_a_passphrase_unlike_the_username(live_server):
    response = Browser(live_server.url).post("/accounts/signup/", {
        "username": "personc", "email": "c@example.org", "password1": "a long pass phrase 42",
        "password2": "a long pass phrase 42"})

    assert response.status_code == 302 and User.objects.filter(username="personc").exists()


@pytest.mark.parametrize("password", ["personc-personc", "PERSONC_personc", "personc", "xpersoncx 99"])
def test_a_word_of_the_password_like_the_username_is_refused(password):
    with pytest.raises(ValidationError, match="too similar to the username"):
        UserAttributeSimilarityValidator().validate(password, User(username="personc", email="someone@example.org"))


@pytest.mark.parametrize("password", ["a long pass phrase 42", "per son c 77 blue"])
def test_words_unlike_the_user_pass(password):
    assert UserAttributeSimilarityValidator().validate(password, User(username="personc")) is None
