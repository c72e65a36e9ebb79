"""Properties of vrm/vault.py over arbitrary values (hypothesis), each example in its own transaction."""

import base64
import uuid
from datetime import timedelta

from django.test import override_settings
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from vrm import catalogue, crypto, rotation, vault
from vrm.models import ProfileValue, User, VaultRecord

PROPERTY = settings(max_examples=50, deadline=None)

# Every text a person may keep: anything up to the limit without control characters (surrogates excluded).
free_text = st.text(max_size=catalogue.MAX_TEXT_LENGTH).filter(lambda text: not catalogue.CONTROL_IN_TEXT.search(text))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)
records = st.dictionaries(st.text(min_size=1, max_size=64), json_values, min_size=1, max_size=10)
TEXT_ATTRIBUTES = [("identity", "given_name"), ("identity", "family_name"), ("address", "street"), ("address", "city")]


def new_person():
    # No password: the property tests make hundreds of people, and hashing each one's would dominate.
    return User.objects.create(username=f"person-{uuid.uuid4().hex}", role=User.Role.PERSON)


def master_key(byte):
    return base64.urlsafe_b64encode(bytes([byte]) * 32).decode()


class VaultProperties(TestCase):
    # The data keys live in the key store database.
    databases = {"default", "keystore"}

    @PROPERTY
    @given(value=free_text, where=st.sampled_from(TEXT_ATTRIBUTES))
    def test_any_free_text_round_trips_sealed(self, value, where):
        category, key = where
        person = new_person()

        vault.update_profile(person, category=category, values={key: value})

        expected = {key: value.strip()} if value.strip() else {}
        self.assertEqual(vault.read_profile(person, [category]), {category: expected})
        for sealed in ProfileValue.objects.filter(vault__person=person).values_list("sealed_value", flat=True):
            if len(value.strip()) >= 4:
                self.assertNotIn(value.strip().encode(), bytes(sealed))

    @PROPERTY
    @given(value=st.text(min_size=1, max_size=50).filter(lambda text: catalogue.CONTROL_IN_TEXT.search(text)))
    def test_text_with_control_characters_is_refused_and_changes_nothing(self, value):
        person = new_person()
        vault.update_profile(person, category="identity", values={"given_name": "Ada"})

        with self.assertRaises(vault.InvalidProfileValue):
            vault.update_profile(person, category="identity", values={"given_name": value})

        self.assertEqual(vault.read_profile(person, ["identity"]), {"identity": {"given_name": "Ada"}})

    @PROPERTY
    @given(data=records)
    def test_any_small_json_record_round_trips_sealed(self, data):
        person = new_person()
        now = timezone.now()

        record = vault.add_record(person, category="purchases", data=data, written_by_grant=None,
                                  retain_until=now + timedelta(days=1), now=now)

        (read,) = vault.read_profile(person, ["purchases"], now=now)["purchases"]["records"]
        self.assertEqual((read["id"], read["data"]), (str(record.id), data))

    @PROPERTY
    @given(value=free_text.filter(lambda text: text.strip()), source=st.sampled_from(TEXT_ATTRIBUTES),
           target=st.sampled_from(TEXT_ATTRIBUTES), same_person=st.booleans())
    def test_a_sealed_value_copied_to_any_other_row_never_opens(self, value, source, target, same_person):
        if same_person and source == target:
            return  # the same row: nothing was copied
        owner = new_person()
        other = owner if same_person else new_person()
        vault.update_profile(owner, category=source[0], values={source[1]: value})
        vault.update_profile(other, category=target[0], values={target[1]: "placeholder"})
        copied = ProfileValue.objects.get(vault__person=owner, attribute__key=source[1]).sealed_value

        ProfileValue.objects.filter(vault__person=other, attribute__key=target[1]).update(sealed_value=copied)

        with self.assertRaises(crypto.DecryptionError):
            vault.read_profile(other, [target[0]])

    @PROPERTY
    @given(value=free_text.filter(lambda text: text.strip()), data=records,
           old=st.integers(0, 255), new=st.integers(0, 255))
    def test_rewrapping_keeps_every_value_and_record_readable_with_only_the_newest_key(self, value, data, old, new):
        person = new_person()
        now = timezone.now()
        with override_settings(VRM_MASTER_KEYS=[master_key(old)]):
            vault.update_profile(person, category="identity", values={"given_name": value})
            vault.add_record(person, category="purchases", data=data, written_by_grant=None,
                             retain_until=now + timedelta(days=1), now=now)
        with override_settings(VRM_MASTER_KEYS=[master_key(new), master_key(old)]):
            while rotation.rewrap_next_batch(now=now):
                pass

        with override_settings(VRM_MASTER_KEYS=[master_key(new)]):
            profile = vault.read_profile(person, ["identity", "purchases"], now=now)
        self.assertEqual(profile["identity"], {"given_name": value.strip()})
        self.assertEqual([record["data"] for record in profile["purchases"]["records"]], [data])
        self.assertEqual(VaultRecord.objects.filter(vault__person=person).count(), 1)
