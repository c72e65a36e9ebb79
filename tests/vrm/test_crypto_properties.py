"""Properties of vrm/crypto.py over arbitrary input (hypothesis): round trips, tamper detection, context binding,
wrap and rewrap."""

import base64
import os

import pytest
from django.test import override_settings
from hypothesis import example, given, settings, strategies as st

from vrm import crypto

PROPERTY = settings(max_examples=80, deadline=None)

master_keys = st.binary(min_size=32, max_size=32).map(lambda raw: base64.urlsafe_b64encode(raw).decode())
owners = st.integers(min_value=1, max_value=2**63 - 1)
contexts = st.text(max_size=80)
plaintexts = st.one_of(st.binary(max_size=4096), st.text(max_size=1000).map(str.encode))


def data_key(owner):
    key, _ = crypto.new_data_key(owner)
    return key


@PROPERTY
@given(owner=owners, context=contexts, plaintext=plaintexts)
@example(owner=1, context="", plaintext=b"")
@example(owner=1, context="profile:1:given_name", plaintext="Ada \u202e 名前 😀\x00".encode())
@example(owner=1, context="record:x:purchases", plaintext=os.urandom(1024 * 1024))
def test_every_value_opens_to_itself_under_its_own_key_and_context(owner, context, plaintext):
    key = data_key(owner)

    sealed = key.seal(plaintext, context)

    assert key.open(sealed, context) == plaintext
    assert len(sealed) == 1 + crypto.NONCE_BYTES + len(plaintext) + 16


@PROPERTY
@given(plaintext=plaintexts, context=contexts, data=st.data())
def test_any_single_flipped_bit_of_a_sealed_value_is_refused(plaintext, context, data):
    key = data_key(7)
    sealed = bytearray(key.seal(plaintext, context))
    bit = data.draw(st.integers(min_value=0, max_value=len(sealed) * 8 - 1), label="bit")
    sealed[bit // 8] ^= 1 << (bit % 8)

    with pytest.raises(crypto.DecryptionError):
        key.open(bytes(sealed), context)


@PROPERTY
@given(plaintext=plaintexts, cut=st.integers(min_value=1, max_value=64))
def test_a_truncated_or_extended_sealed_value_is_refused(plaintext, cut):
    key = data_key(7)
    sealed = key.seal(plaintext, "ctx")

    with pytest.raises(crypto.DecryptionError):
        key.open(sealed[:-cut], "ctx")
    with pytest.raises(crypto.DecryptionError):
        key.open(sealed + bytes(cut), "ctx")


@PROPERTY
@given(raw=st.binary(min_size=32, max_size=32), owner=owners, other_owner=owners, context=contexts,
       other_context=contexts, plaintext=plaintexts)
def test_a_value_never_opens_for_another_person_or_attribute_even_under_the_same_data_key(
    raw, owner, other_owner, context, other_context, plaintext
):
    sealed = crypto.DataKey(raw, owner).seal(plaintext, context)

    for open_as, open_in in [(other_owner, context), (owner, other_context)]:
        if (open_as, open_in) == (owner, context):
            continue
        with pytest.raises(crypto.DecryptionError):
            crypto.DataKey(raw, open_as).open(sealed, open_in)


@PROPERTY
@given(owner=owners, other_owner=owners, keys=st.lists(master_keys, min_size=1, max_size=3, unique=True),
       plaintext=plaintexts)
def test_a_wrapped_data_key_unwraps_for_its_owner_only(owner, other_owner, keys, plaintext):
    with override_settings(VRM_MASTER_KEYS=keys):
        key, wrapped = crypto.new_data_key(owner)
        sealed = key.seal(plaintext, "ctx")

        assert wrapped.key_id == crypto.newest_key_id()
        assert crypto.unwrap(wrapped, owner).open(sealed, "ctx") == plaintext
        if other_owner != owner:
            with pytest.raises(crypto.DecryptionError):
                crypto.unwrap(wrapped, other_owner)


@PROPERTY
@given(owner=owners, data=st.data())
def test_any_single_flipped_bit_of_a_wrapped_key_is_refused(owner, data):
    _, wrapped = crypto.new_data_key(owner)
    bit = data.draw(st.integers(min_value=0, max_value=len(wrapped.ciphertext) * 8 - 1), label="bit")
    tampered = bytearray(wrapped.ciphertext)
    tampered[bit // 8] ^= 1 << (bit % 8)

    with pytest.raises(crypto.DecryptionError):
        crypto.unwrap(crypto.WrappedKey(bytes(tampered), wrapped.key_id), owner)


@PROPERTY
@given(owner=owners, old=master_keys, new=master_keys, plaintext=plaintexts)
def test_rewrapping_moves_a_data_key_to_the_newest_master_key_and_keeps_every_value_readable(owner, old, new, plaintext):
    with override_settings(VRM_MASTER_KEYS=[old]):
        key, wrapped = crypto.new_data_key(owner)
        sealed = key.seal(plaintext, "ctx")
    with override_settings(VRM_MASTER_KEYS=[new, old]):
        rewrapped = crypto.rewrap(wrapped, owner)

    with override_settings(VRM_MASTER_KEYS=[new]):
        assert rewrapped.key_id == crypto.newest_key_id()
        assert crypto.unwrap(rewrapped, owner).open(sealed, "ctx") == plaintext
        if new != old:
            with pytest.raises(crypto.DecryptionError, match="not loaded"):
                crypto.unwrap(wrapped, owner)


@PROPERTY
@given(raw=st.binary(max_size=64).filter(lambda raw: len(raw) != 32))
def test_a_master_key_of_any_other_length_is_refused(raw):
    with override_settings(VRM_MASTER_KEYS=[base64.urlsafe_b64encode(raw).decode()]):
        with pytest.raises(crypto.ImproperlyConfigured, match="exactly 32 bytes"):
            crypto.master_keys()
