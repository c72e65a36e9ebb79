import re

from vrm.pseudonyms import keyed_hash, pairwise_subject_for, pseudonym_for


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


def test_each_organisation_gets_its_own_pairwise_subject_unrelated_to_the_global_pseudonym():
    first, second = pairwise_subject_for(42, "vendor:1"), pairwise_subject_for(42, "vendor:2")

    assert first != second and pairwise_subject_for(42, "vendor:1") == first
    assert pairwise_subject_for(43, "vendor:1") != first
    assert re.fullmatch(r"sub_[0-9a-f]{32}", first) and first[4:] != pseudonym_for(42)[4:]


def test_keyed_hashes_depend_on_purpose_text_and_key(settings):
    before = keyed_hash("field", "card_4111111111111111")

    assert keyed_hash("reason", "card_4111111111111111") != before != keyed_hash("field", "card_4111111111111112")
    settings.VRM_PSEUDONYM_KEY = "another key"
    assert keyed_hash("field", "card_4111111111111111") != before
