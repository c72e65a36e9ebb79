import re

from audit.pseudonyms import pseudonym_for


def test_it_gives_the_same_person_the_same_pseudonym():
    assert pseudonym_for(42) == pseudonym_for(42)


def test_it_gives_different_persons_different_pseudonyms_of_a_fixed_shape():
    first, second = pseudonym_for(42), pseudonym_for(43)

    assert first != second
    assert re.fullmatch(r"psn_[0-9a-f]{32}", first)


def test_it_depends_on_the_servers_key(settings):
    before = pseudonym_for(42)
    settings.VRM_PSEUDONYM_KEY = "another key"

    assert pseudonym_for(42) != before
