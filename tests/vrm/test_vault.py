import base64
import uuid
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from people.erasure import erase_person
from tests.factories import PersonFactory
from vrm import crypto, keystore, vault
from vrm.models import AttributeDefinition, DataKey, ProfileValue, Vault, VaultRecord

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def fill(person, marker="Zebulon"):
    vault.update_profile(person, category="identity", values={"given_name": marker, "birth_date": "1990-02-03"})
    vault.update_profile(person, category="contact", values={"email": f"{marker.lower()}@example.org"})
    vault.update_profile(person, category="address", values={"country": "de"})


def all_database_text(connection=connection):
    """Every row of every table of one database, as text and bytes, for scanning for plaintext or keys."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for cell in row:
                    chunks.append(bytes(cell) if isinstance(cell, (bytes, memoryview)) else str(cell).encode())
    return b"\n".join(chunks)


def test_the_catalogue_is_seeded_by_the_migration():
    keys = set(AttributeDefinition.objects.filter(owner=None).values_list("category", "key"))

    assert {("identity", "given_name"), ("contact", "email"), ("address", "country"), ("preferences", "language")} <= keys


def test_a_profile_round_trips_through_the_vault():
    person = PersonFactory()

    fill(person)

    assert vault.read_profile(person, ["identity", "contact", "address"]) == {
        "identity": {"given_name": "Zebulon", "birth_date": "1990-02-03"},
        "contact": {"email": "zebulon@example.org"},
        "address": {"country": "DE"},
    }


def test_reading_only_some_categories_returns_only_those():
    person = PersonFactory()
    fill(person)

    assert vault.read_profile(person, ["contact"]) == {"contact": {"email": "zebulon@example.org"}}


def test_reading_the_profile_takes_the_same_queries_for_many_values():
    person = PersonFactory()
    fill(person)
    for n in range(10):
        attribute = vault.add_custom_attribute(person, category="identity", label=f"Nickname {n}", type="text")
        vault.update_profile(person, category="identity", values={attribute.key: f"nick {n}"})

    with CaptureQueriesContext(connection) as queries, CaptureQueriesContext(connections["keystore"]) as key_queries:
        profile = vault.read_profile(person, ["identity", "contact", "purchases"])

    assert len(profile["identity"]) == 12
    assert len(queries) == 2  # values with the key reference, then the records
    assert len(key_queries) == 1  # the wrapped key, by its reference


def test_the_main_database_holds_no_key_material_only_a_reference_to_the_key_store():
    person = PersonFactory()
    fill(person)
    key_ref = Vault.objects.get(person=person).key_ref
    stored_key = DataKey.objects.get(pk=key_ref)

    main_database = all_database_text()

    assert bytes(stored_key.wrapped_key) not in main_database
    assert bytes(stored_key.wrapped_key)[-16:] not in main_database  # not even the tag
    assert {field.name for field in Vault._meta.get_fields()} & {"wrapped_key", "key_id"} == set()
    assert DataKey._meta.db_table not in connection.introspection.table_names()
    assert Vault._meta.db_table not in connections["keystore"].introspection.table_names()
    assert vault.read_profile(person, ["identity"])["identity"]["given_name"] == "Zebulon"


def test_no_plaintext_value_reaches_any_table():
    person = PersonFactory()
    fill(person, marker="Quixotically")
    vault.add_record(
        person, category="purchases", data={"item": "Xylophonist-boots"}, written_by_grant=None,
        retain_until=NOW + timedelta(days=30), now=NOW,
    )

    stored = (all_database_text() + all_database_text(connections["keystore"])).lower()

    assert VaultRecord.objects.count() == 1 and ProfileValue.objects.count() == 4
    for plaintext in (b"quixotically", b"1990-02-03", b"xylophonist-boots"):
        assert plaintext not in stored


def test_an_invalid_value_changes_nothing_and_names_the_field():
    person = PersonFactory()
    fill(person)

    with pytest.raises(vault.InvalidProfileValue) as error:
        vault.update_profile(person, category="identity", values={"given_name": "Other", "birth_date": "31/12/1990"})

    assert error.value.errors == {"birth_date": "Enter a date as YYYY-MM-DD."}
    assert vault.read_profile(person, ["identity"])["identity"]["given_name"] == "Zebulon"


def test_an_empty_value_clears_the_attribute():
    person = PersonFactory()
    fill(person)

    vault.update_profile(person, category="identity", values={"given_name": ""})

    assert vault.read_profile(person, ["identity"]) == {"identity": {"birth_date": "1990-02-03"}}


def test_a_tampered_value_raises_instead_of_showing_data():
    person = PersonFactory()
    fill(person)
    value = ProfileValue.objects.get(vault__person=person, attribute__key="given_name")
    sealed = bytearray(value.sealed_value)
    sealed[20] ^= 0x40
    ProfileValue.objects.filter(pk=value.pk).update(sealed_value=bytes(sealed))

    with pytest.raises(crypto.DecryptionError):
        vault.read_profile(person, ["identity"])


def test_a_value_copied_to_another_persons_row_raises():
    alice, mallory = PersonFactory(), PersonFactory()
    fill(alice, marker="Alice")
    fill(mallory, marker="Mallory")
    alices = ProfileValue.objects.get(vault__person=alice, attribute__key="given_name")
    ProfileValue.objects.filter(vault__person=mallory, attribute__key="given_name").update(
        sealed_value=alices.sealed_value
    )

    with pytest.raises(crypto.DecryptionError):
        vault.read_profile(mallory, ["identity"])


def test_a_value_copied_to_another_attribute_of_the_same_person_raises():
    person = PersonFactory()
    fill(person)
    given = ProfileValue.objects.get(vault__person=person, attribute__key="given_name")
    ProfileValue.objects.filter(vault__person=person, attribute__key="birth_date").update(sealed_value=given.sealed_value)

    with pytest.raises(crypto.DecryptionError):
        vault.read_profile(person, ["identity"])


def test_a_vault_under_a_master_key_that_is_not_loaded_raises(settings):
    person = PersonFactory()
    fill(person)
    settings.VRM_MASTER_KEYS = [base64.urlsafe_b64encode(b"\x09" * 32).decode()]

    with pytest.raises(crypto.DecryptionError, match="not loaded"):
        vault.read_profile(person, ["identity"])


def test_custom_attributes_get_their_own_keys_and_labels():
    person = PersonFactory()
    shoe = vault.add_custom_attribute(person, category="preferences", label="Shoe size", type="choice", choices=["41", "42", "43"])

    vault.update_profile(person, category="preferences", values={shoe.key: "42"})

    assert shoe.key == "custom_shoe_size"
    assert vault.read_profile(person, ["preferences"]) == {"preferences": {"custom_shoe_size": "42"}}
    assert vault.attribute_labels(person, ["preferences"])["preferences"]["custom_shoe_size"] == "Shoe size"


def test_another_persons_custom_attribute_is_not_theirs_to_set():
    owner, other = PersonFactory(), PersonFactory()
    shoe = vault.add_custom_attribute(owner, category="preferences", label="Shoe size", type="text")

    with pytest.raises(vault.InvalidProfileValue):
        vault.update_profile(other, category="preferences", values={shoe.key: "42"})


def test_a_choice_attribute_needs_options():
    with pytest.raises(vault.InvalidAttribute, match="between 2"):
        vault.add_custom_attribute(PersonFactory(), category="identity", label="Tribe", type="choice", choices=["one"])


def test_labels_cover_catalogue_and_record_categories():
    labels = vault.attribute_labels(PersonFactory(), ["contact", "purchases"])

    assert labels == {"contact": {"email": "E-mail address", "phone": "Phone number"}, "purchases": {"records": "Purchases records"}}


def test_unknown_categories_are_refused():
    with pytest.raises(vault.UnknownCategory):
        vault.read_profile(PersonFactory(), ["medical"])


def test_a_record_round_trips_and_disappears_from_reads_when_its_retention_ends():
    person = PersonFactory()
    record = vault.add_record(
        person, category="purchases", data={"item": "boots", "price": "89.00"}, written_by_grant=None,
        retain_until=NOW + timedelta(days=1), now=NOW,
    )

    before = vault.read_profile(person, ["purchases"], now=NOW)
    after = vault.read_profile(person, ["purchases"], now=NOW + timedelta(days=2))

    assert before["purchases"]["records"] == [
        {
            "id": str(record.id), "created_at": NOW.isoformat(), "retain_until": (NOW + timedelta(days=1)).isoformat(),
            "written_by_grant": None, "data": {"item": "boots", "price": "89.00"},
        }
    ]
    assert after == {"purchases": {"records": []}}


@pytest.mark.parametrize(
    "category, data, retain_days",
    [
        ("identity", {"a": 1}, 1),
        ("purchases", [], 1),
        ("purchases", {}, 1),
        ("purchases", {"blob": "x" * 20_000}, 1),
        ("purchases", {"when": timezone.now()}, 1),
        ("purchases", {"item": "boots"}, -1),
    ],
)
def test_a_bad_record_is_refused_and_nothing_is_stored(category, data, retain_days):
    with pytest.raises(vault.InvalidRecord):
        vault.add_record(
            PersonFactory(), category=category, data=data, written_by_grant=None,
            retain_until=NOW + timedelta(days=retain_days), now=NOW,
        )

    assert VaultRecord.objects.count() == 0


def test_purging_expired_records_keeps_the_retained_ones():
    person = PersonFactory()
    for days in (1, 2, 10):
        vault.add_record(
            person, category="purchases", data={"days": days}, written_by_grant=None,
            retain_until=NOW + timedelta(days=days), now=NOW,
        )

    purged = vault.purge_expired_records(now=NOW + timedelta(days=5), batch_size=1)

    assert purged == 2
    assert [r["data"] for r in vault.read_profile(person, ["purchases"], now=NOW)["purchases"]["records"]] == [{"days": 10}]


def test_erasure_shreds_the_key_at_once_and_deactivates_the_account(django_capture_on_commit_callbacks):
    person = PersonFactory()
    fill(person)
    key_ref = Vault.objects.get(person=person).key_ref

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        erase_person(person, actor=person, now=NOW)

    person.refresh_from_db()
    stored = Vault.objects.get(person=person)
    assert stored.key_ref is None and stored.shredded_at == NOW
    assert not DataKey.objects.filter(pk=key_ref).exists()
    assert not person.is_active and not person.has_usable_password() and person.email == ""
    assert ProfileValue.objects.filter(vault=stored).count() == 4
    assert len(callbacks) == 1
    with pytest.raises(crypto.DecryptionError, match="destroyed"):
        vault.read_profile(person, ["identity"])


def test_the_purge_after_erasure_removes_the_remaining_rows():
    person = PersonFactory()
    fill(person)
    vault.add_custom_attribute(person, category="identity", label="Nickname", type="text")
    vault.add_record(
        person, category="purchases", data={"item": "boots"}, written_by_grant=None,
        retain_until=NOW + timedelta(days=30), now=NOW,
    )
    erase_person(person, actor=person, now=NOW)

    finished = vault.purge_erased_vaults(now=NOW)

    assert finished == 1
    assert not ProfileValue.objects.exists() and not VaultRecord.objects.exists()
    assert not AttributeDefinition.objects.filter(owner=person).exists()
    assert vault.purge_erased_vaults(now=NOW) == 0


def test_nothing_can_be_written_to_an_erased_vault():
    person = PersonFactory()
    erase_person(person, actor=person, now=NOW)

    with pytest.raises(vault.VaultErased):
        vault.add_record(
            person, category="purchases", data={"item": "boots"}, written_by_grant=None,
            retain_until=NOW + timedelta(days=30), now=NOW,
        )


def test_erasure_revokes_every_live_grant_and_its_tokens():
    from audit.selectors import history_for_person
    from tests.factories import make_grant
    from vendors.models import AccessToken

    person = PersonFactory()
    grants = [make_grant(person, vendor_name="Outfitters"), make_grant(person, vendor_name="Grocer", status="paused")]
    AccessToken.objects.create(
        token="vendor-token", consent=grants[0], application=grants[0].client, user=person,
        expires=NOW + timedelta(hours=1), scope="contact:read",
    )

    erase_person(person, actor=person, now=NOW)

    for grant in grants:
        grant.refresh_from_db()
        assert grant.status == "revoked" and grant.change_reason == "account erased"
    assert not AccessToken.objects.filter(consent__person=person).exists()
    assert sorted(entry.event for entry in history_for_person(person)) == [
        "deletion_requested", "deletion_requested", "revoked", "revoked"
    ]


def test_keys_no_vault_names_are_deleted_a_day_after_they_were_stored():
    kept = PersonFactory()
    vault.update_profile(kept, category="identity", values={"given_name": "Ada"})
    deleted_user = PersonFactory()
    vault.ensure_vault(deleted_user)
    orphan_ref = Vault.objects.get(person=deleted_user).key_ref
    deleted_user.delete()  # outside erase_person: the vault row cascades, its key stays in the key store
    in_flight = uuid.uuid4()
    DataKey.objects.create(id=in_flight, wrapped_key=b"not yet named", key_id="k")  # a vault being created now
    later = timezone.now() + timedelta(hours=25)

    assert keystore.purge_unreferenced_data_keys(now=timezone.now()) == 0
    assert keystore.purge_unreferenced_data_keys(now=later, batch_size=1) == 2
    assert keystore.purge_unreferenced_data_keys(now=later) == 0

    assert set(DataKey.objects.values_list("id", flat=True)) == {Vault.objects.get(person=kept).key_ref}
    assert not DataKey.objects.filter(id__in=[orphan_ref, in_flight]).exists()
    assert vault.read_profile(kept, ["identity"])["identity"] == {"given_name": "Ada"}
