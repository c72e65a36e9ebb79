import base64

import pytest
from django.core.exceptions import ImproperlyConfigured

from vrm import crypto


def master_key(byte):
    return base64.urlsafe_b64encode(bytes([byte]) * 32).decode()


OLD, NEW = master_key(1), master_key(2)


@pytest.fixture(autouse=True)
def keys(settings):
    settings.VRM_MASTER_KEYS = [OLD]
    return settings


def test_a_sealed_value_opens_with_the_same_key_and_context():
    key, _ = crypto.new_data_key(7)

    sealed = key.seal("Ada Lovelace".encode(), "profile:1:given_name")

    assert key.open(sealed, "profile:1:given_name") == b"Ada Lovelace"
    assert b"Ada" not in sealed


def test_sealing_twice_uses_a_fresh_nonce():
    key, _ = crypto.new_data_key(7)

    assert key.seal(b"same", "ctx") != key.seal(b"same", "ctx")


def test_a_flipped_bit_is_refused():
    key, _ = crypto.new_data_key(7)
    sealed = bytearray(key.seal(b"value", "ctx"))
    sealed[-1] ^= 1

    with pytest.raises(crypto.DecryptionError, match="integrity check"):
        key.open(bytes(sealed), "ctx")


def test_a_value_moved_to_another_attribute_is_refused():
    key, _ = crypto.new_data_key(7)
    sealed = key.seal(b"value", "profile:1:given_name")

    with pytest.raises(crypto.DecryptionError):
        key.open(sealed, "profile:2:family_name")


def test_a_value_moved_to_another_person_is_refused_even_under_the_same_raw_key():
    key, wrapped = crypto.new_data_key(7)
    sealed = key.seal(b"value", "ctx")
    raw_twin = crypto.DataKey(crypto._unwrap_raw(wrapped, 7), 8)

    with pytest.raises(crypto.DecryptionError):
        raw_twin.open(sealed, "ctx")


def test_a_wrong_data_key_is_refused():
    key, _ = crypto.new_data_key(7)
    other, _ = crypto.new_data_key(7)

    with pytest.raises(crypto.DecryptionError):
        other.open(key.seal(b"value", "ctx"), "ctx")


def test_garbage_is_refused_as_an_unknown_format():
    key, _ = crypto.new_data_key(7)

    with pytest.raises(crypto.DecryptionError, match="known format"):
        key.open(b"plain text", "ctx")


def test_a_wrapped_key_names_the_master_key_and_unwraps_to_the_same_data_key():
    key, wrapped = crypto.new_data_key(7)

    assert wrapped.key_id == crypto.newest_key_id()
    assert crypto.unwrap(wrapped, 7).open(key.seal(b"v", "c"), "c") == b"v"


def test_a_wrapped_key_copied_to_another_person_does_not_unwrap():
    _, wrapped = crypto.new_data_key(7)

    with pytest.raises(crypto.DecryptionError, match="wrapped data key"):
        crypto.unwrap(wrapped, 8)


def test_a_shredded_key_does_not_unwrap():
    with pytest.raises(crypto.DecryptionError, match="destroyed"):
        crypto.unwrap(crypto.WrappedKey(b"", ""), 7)


def test_rewrap_moves_a_key_to_the_newest_master_key_so_the_old_one_can_go(keys):
    key, wrapped = crypto.new_data_key(7)
    sealed = key.seal(b"v", "c")
    keys.VRM_MASTER_KEYS = [NEW, OLD]

    rewrapped = crypto.rewrap(wrapped, 7)
    keys.VRM_MASTER_KEYS = [NEW]

    assert rewrapped.key_id == crypto.newest_key_id() != wrapped.key_id
    assert crypto.unwrap(rewrapped, 7).open(sealed, "c") == b"v"
    with pytest.raises(crypto.DecryptionError, match="not loaded"):
        crypto.unwrap(wrapped, 7)


def test_a_master_key_of_the_wrong_length_stops_with_a_clear_message(keys):
    keys.VRM_MASTER_KEYS = [base64.urlsafe_b64encode(b"short").decode()]

    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        crypto.newest_key_id()


def test_a_data_key_never_shows_its_bytes():
    key, _ = crypto.new_data_key(7)

    assert repr(key) == "<DataKey of 7>"
