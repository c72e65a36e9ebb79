"""The person's vault: services (writes) and selectors (reads) over sealed profile values and records.

Plaintext exists only in the dicts these functions return, for the caller's
request; what goes to the database is sealed by ``vrm.crypto``.
"""

import json
import uuid
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from vrm import catalogue, crypto
from vrm.models import AttributeDefinition, DataKey, ProfileValue, Vault, VaultRecord

MAX_CUSTOM_ATTRIBUTES = 50
MAX_RECORD_BYTES = 16 * 1024
MAX_RECORD_KEYS = 50
PURGE_BATCH_SIZE = 500


class VaultError(Exception):
    """Base of the vault's domain errors."""


class UnknownCategory(VaultError):
    pass


class InvalidRecord(VaultError):
    """A vendor-written record was refused: not a small JSON object, unknown category, or bad retention."""


class InvalidProfileValue(VaultError):
    """Submitted profile values failed validation; `errors` maps attribute key -> message."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


class InvalidAttribute(VaultError):
    """A custom attribute definition was refused."""


class VaultErased(VaultError):
    """The person erased their account; nothing can be written to their vault."""


def _check_categories(categories, allowed=tuple(catalogue.CATEGORIES)):
    categories = list(dict.fromkeys(categories))
    unknown = [category for category in categories if category not in allowed]
    if unknown:
        raise UnknownCategory(f"unknown categories: {', '.join(map(str, unknown))}")
    return categories


def _as_key_ref(value):
    """A key reference as a UUID, however the database returned it (plain SQL on SQLite gives hex text)."""
    return Vault._meta.get_field("key_ref").to_python(value)


def _stored_data_key(key_ref) -> crypto.WrappedKey:
    """The wrapped data key `key_ref` names: one query by primary key in the key store.

    Plain SQL, for the read path. A destroyed key (erased vault) comes back empty, which
    crypto.unwrap refuses with DecryptionError.
    """
    if key_ref is None:
        return crypto.WrappedKey(b"", "")
    connection = connections[router.db_for_read(DataKey)]
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {quote('wrapped_key')}, {quote('key_id')} FROM {quote(DataKey._meta.db_table)} "
        f"WHERE {quote('id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [DataKey._meta.pk.get_db_prep_value(key_ref, connection)])
        row = cursor.fetchone()
    return crypto.WrappedKey(bytes(row[0]), row[1]) if row else crypto.WrappedKey(b"", "")


def _unwrap_for(person_id, key_ref):
    key_ref = _as_key_ref(key_ref)
    return crypto.unwrap(_stored_data_key(key_ref), person_id, key_ref)


def _store_new_data_key(person) -> uuid.UUID:
    """Wrap a fresh data key for the person into the key store (committed there at once); its reference."""
    key_ref = uuid.uuid4()
    _, wrapped = crypto.new_data_key(person.pk, key_ref)
    DataKey.objects.create(id=key_ref, wrapped_key=wrapped.ciphertext, key_id=wrapped.key_id)
    return key_ref


def _value_context(attribute_id, attribute_key):
    return f"profile:{attribute_id}:{attribute_key}"


def _record_context(record):
    return f"record:{record.pk}:{record.category}"


def ensure_vault(person):
    """The person's vault, created with a fresh data key if they have none yet.

    The two databases share no transaction, so the key store is written first: a vault row never
    names a key that was not stored. A vault rolled back afterwards leaves an unreferenced key that
    nothing can use; one lost to a concurrent creation is deleted here.
    """
    vault = Vault.objects.filter(person=person).first()
    if vault is not None:
        return vault
    key_ref = _store_new_data_key(person)
    vault, created = Vault.objects.get_or_create(person=person, defaults={"key_ref": key_ref})
    if not created:
        DataKey.objects.filter(pk=key_ref).delete()
    return vault


def _open_vault(person):
    """(vault, data key) for a person who can still be written to; raises VaultErased otherwise."""
    vault = ensure_vault(person)
    if vault.is_shredded:
        raise VaultErased("this account was erased")
    return vault, _unwrap_for(person.pk, vault.key_ref)


def attributes_for(person, categories):
    """The catalogue's and the person's own attribute definitions in these categories, in display order."""
    categories = _check_categories(categories, catalogue.PROFILE_CATEGORIES)
    return list(
        AttributeDefinition.objects.filter(category__in=categories)
        .filter(Q(owner__isnull=True) | Q(owner=person))
        .order_by("owner_id", "position", "id")
    )


def attribute_labels(person, categories) -> dict[str, dict[str, str]]:
    """{category: {attribute_key: label}} for display, e.g. on the consent screen's preview."""
    categories = _check_categories(categories)
    labels = {category: {} for category in categories}
    profile_categories = [category for category in categories if category in catalogue.PROFILE_CATEGORIES]
    if profile_categories:
        for attribute in attributes_for(person, profile_categories):
            labels[attribute.category][attribute.key] = attribute.label
    for category in categories:
        if category in catalogue.RECORD_CATEGORIES:
            labels[category]["records"] = f"{catalogue.CATEGORIES[category][0]} records"
    return labels


def _profile_rows(person_id, categories):
    """(vault id, key reference, attribute id, key, category, sealed value) rows in display order.

    Plain SQL: Django rebuilt this three-table query on every read, which cost more than running it.
    """
    connection = connections[router.db_for_read(ProfileValue)]
    quote = connection.ops.quote_name
    sql = (
        f"SELECT v.{quote('id')}, v.{quote('key_ref')}, pv.{quote('attribute_id')}, "
        f"a.{quote('key')}, a.{quote('category')}, pv.{quote('sealed_value')} "
        f"FROM {quote(ProfileValue._meta.db_table)} pv "
        f"JOIN {quote(Vault._meta.db_table)} v ON v.{quote('id')} = pv.{quote('vault_id')} "
        f"JOIN {quote(AttributeDefinition._meta.db_table)} a ON a.{quote('id')} = pv.{quote('attribute_id')} "
        f"WHERE v.{quote('person_id')} = %s AND a.{quote('category')} IN ({', '.join(['%s'] * len(categories))}) "
        f"ORDER BY a.{quote('owner_id')}, a.{quote('position')}, pv.{quote('attribute_id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [person_id, *categories])
        return cursor.fetchall()


def read_profile(person, categories, *, now=None) -> dict[str, dict[str, object]]:
    """{category: {attribute_key: plaintext}} for the set attributes of `categories`, decrypted in memory.

    Record categories give {"records": [record dicts]} of records still retained at `now`.
    Profile values come with the vault's key reference in one narrow plain SQL query, the wrapped key
    in one more from the key store; a vault without any of them, and record categories, take one more
    each. Raises crypto.DecryptionError if a value was tampered with or copied from another row, or if
    the vault was erased (its key is gone).
    """
    now = now or timezone.now()
    categories = _check_categories(categories)
    profile = {category: {} for category in categories}
    for category in categories:
        if category in catalogue.RECORD_CATEGORIES:
            profile[category]["records"] = []
    profile_categories = [category for category in categories if category in catalogue.PROFILE_CATEGORIES]
    rows = []
    if profile_categories:
        rows = _profile_rows(person.pk, profile_categories)
    if rows:
        vault_id, key_ref = rows[0][:2]
    else:
        vault_row = Vault.objects.filter(person=person).values_list("id", "key_ref").first()
        if vault_row is None:
            return profile
        vault_id, key_ref = vault_row
    key = _unwrap_for(person.pk, key_ref)
    for _, _, attribute_id, attribute_key, category, sealed_value in rows:
        profile[category][attribute_key] = key.open(sealed_value, _value_context(attribute_id, attribute_key)).decode()
    record_categories = [category for category in categories if category in catalogue.RECORD_CATEGORIES]
    if record_categories:
        records = VaultRecord.objects.filter(vault_id=vault_id, category__in=record_categories, retain_until__gt=now)
        for record in records.order_by("-created_at", "id"):
            profile[record.category]["records"].append(_record_dict(record, key))
    return profile


def _record_dict(record, key):
    return {
        "id": str(record.id),
        "created_at": record.created_at.isoformat(),
        "retain_until": record.retain_until.isoformat(),
        "written_by_grant": str(record.written_by_grant_id) if record.written_by_grant_id else None,
        "data": json.loads(key.open(record.sealed_data, _record_context(record))),
    }


@transaction.atomic
def update_profile(person, *, category, values: dict[str, str]) -> dict[str, str]:
    """Set (or, for an empty value, clear) attributes of one category; all or nothing.

    Each value is validated for its attribute's type and stored sealed. Raises
    InvalidProfileValue (nothing changed) on any invalid value or unknown key.
    Returns the normalised values that were set.
    """
    _check_categories([category], catalogue.PROFILE_CATEGORIES)
    attributes = {attribute.key: attribute for attribute in attributes_for(person, [category])}
    errors, cleaned = {}, {}
    for key_name, raw in values.items():
        attribute = attributes.get(key_name)
        if attribute is None:
            errors[key_name] = "There is no such attribute in this category."
            continue
        if raw is None:
            cleaned[key_name] = None
            continue
        try:
            # A blank value clears the attribute.
            cleaned[key_name] = catalogue.clean_value(attribute.type, raw, attribute.choices) or None
        except ValidationError as error:
            errors[key_name] = " ".join(error.messages)
    if errors:
        raise InvalidProfileValue(errors)
    vault, data_key = _open_vault(person)
    existing = {value.attribute_id: value for value in ProfileValue.objects.filter(vault=vault, attribute__category=category)}
    for key_name, value in cleaned.items():
        attribute = attributes[key_name]
        stored = existing.get(attribute.pk)
        if value is None:
            if stored is not None:
                stored.delete()
            continue
        sealed = data_key.seal(value.encode(), _value_context(attribute.pk, attribute.key))
        if stored is None:
            ProfileValue.objects.create(vault=vault, attribute=attribute, sealed_value=sealed)
        else:
            stored.sealed_value = sealed
            stored.save(update_fields=["sealed_value", "updated_at"])
    return {key_name: value for key_name, value in cleaned.items() if value is not None}


@transaction.atomic
def add_custom_attribute(person, *, category, label, type, choices=()) -> AttributeDefinition:
    """Define a custom attribute of the person's own in a profile category; raises InvalidAttribute."""
    if category not in catalogue.PROFILE_CATEGORIES:
        raise InvalidAttribute("Choose one of the profile categories.")
    label = (label or "").strip()
    if not label or len(label) > 100:
        raise InvalidAttribute("Give the attribute a name of 1 to 100 characters.")
    if catalogue.CONTROL_IN_NAME.search(label):
        raise InvalidAttribute("Remove the control characters from the name.")
    if type not in catalogue.TYPES:
        raise InvalidAttribute("Choose one of the attribute types.")
    choices = [choice.strip() for choice in choices if choice.strip()]
    choices = list(dict.fromkeys(choices))
    if type == catalogue.CHOICE and not 2 <= len(choices) <= catalogue.MAX_CHOICES:
        raise InvalidAttribute(f"A choice needs between 2 and {catalogue.MAX_CHOICES} options.")
    if any(len(choice) > 100 for choice in choices):
        raise InvalidAttribute("Keep each option under 100 characters.")
    if any(catalogue.CONTROL_IN_NAME.search(choice) for choice in choices):
        raise InvalidAttribute("Remove the control characters from the options.")
    if type != catalogue.CHOICE:
        choices = []
    owned = AttributeDefinition.objects.select_for_update().filter(owner=person)
    if owned.count() >= MAX_CUSTOM_ATTRIBUTES:
        raise InvalidAttribute(f"You can define at most {MAX_CUSTOM_ATTRIBUTES} attributes of your own.")
    base = "custom_" + (slugify(label).replace("-", "_")[:40] or "attribute")
    taken = set(owned.values_list("key", flat=True))
    key_name, suffix = base, 2
    while key_name in taken:
        key_name, suffix = f"{base}_{suffix}", suffix + 1
    if AttributeDefinition.objects.filter(owner=person, category=category, label__iexact=label).exists():
        raise InvalidAttribute("You already have an attribute with this name in this category.")
    return AttributeDefinition.objects.create(
        owner=person,
        category=category,
        key=key_name,
        label=label,
        type=type,
        choices=choices,
        position=1000 + len(taken),
    )


@transaction.atomic
def delete_custom_attribute(person, attribute_id) -> None:
    """Remove one of the person's own attributes and its value; catalogue attributes cannot be removed."""
    deleted, _ = AttributeDefinition.objects.filter(owner=person, pk=attribute_id).delete()
    if not deleted:
        raise InvalidAttribute("There is no such attribute of yours.")


def add_record(person, *, category, data: dict, written_by_grant, retain_until, now=None) -> VaultRecord:
    """Store a vendor-written record (a small JSON object) sealed in the person's vault until retain_until.

    Raises InvalidRecord on bad data and VaultErased if the person erased their account.
    """
    now = now or timezone.now()
    if category not in catalogue.RECORD_CATEGORIES:
        raise InvalidRecord(f"records cannot be written to category {category!r}")
    if not isinstance(data, dict) or not data:
        raise InvalidRecord("a record must be a non-empty JSON object")
    if len(data) > MAX_RECORD_KEYS:
        raise InvalidRecord(f"a record may have at most {MAX_RECORD_KEYS} fields")
    if not all(isinstance(name, str) and 0 < len(name) <= 64 for name in data):
        raise InvalidRecord("record field names must be strings of 1 to 64 characters")
    try:
        encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    except (TypeError, ValueError):
        raise InvalidRecord("a record must contain only JSON values") from None
    if len(encoded) > MAX_RECORD_BYTES:
        raise InvalidRecord(f"a record may be at most {MAX_RECORD_BYTES} bytes of JSON")
    if not isinstance(retain_until, datetime) or retain_until <= now:
        raise InvalidRecord("retain_until must be a time in the future")
    with transaction.atomic():
        vault, data_key = _open_vault(person)
        record = VaultRecord(
            id=uuid.uuid4(),
            vault=vault,
            category=category,
            written_by_grant=written_by_grant,
            retain_until=retain_until,
            created_at=now,
        )
        record.sealed_data = data_key.seal(encoded, _record_context(record))
        record.save(force_insert=True)
    return record


def seal_for_person(person, plaintext: bytes, *, context: str) -> bytes:
    """Seal bytes that belong to the person (e.g. a vendor's answer to their access request) under their
    data key, bound to `context` (which names the row that stores them). Raises VaultErased."""
    _, data_key = _open_vault(person)
    return data_key.seal(plaintext, context)


def open_for_person(person, sealed: bytes, *, context: str) -> bytes:
    """Open what seal_for_person sealed for this context; raises VaultErased, or crypto.DecryptionError."""
    vault = Vault.objects.filter(person=person).first()
    if vault is None or vault.is_shredded:
        raise VaultErased("this account was erased")
    return _unwrap_for(person.pk, vault.key_ref).open(sealed, context)


def purge_expired_records(now=None, batch_size=PURGE_BATCH_SIZE) -> int:
    """Delete vendor-written records whose retain_until has passed, batch by batch; returns how many."""
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            ids = list(VaultRecord.objects.filter(retain_until__lte=now).values_list("id", flat=True)[:batch_size])
            if not ids:
                return total
            deleted, _ = VaultRecord.objects.filter(id__in=ids).delete()
        total += deleted


def erase_person(person, *, actor, now=None):
    """Erase a person: destroy their data key at once, revoke every live grant, deactivate the account.

    The data key is deleted from the key store first and committed there at once (irreversible by
    intent; the main database's transaction cannot take it back), then the vault is marked shredded.
    After this no value sealed for the person can be opened, here or in any copy of the main
    database taken before, since such a copy never held the key. The sealed rows left behind are
    removed by purge_erased_vaults (queued after commit, and run by the periodic sweep).
    """
    from consents.grants import end_all_grants_for_erasure
    from django_otp import devices_for_user

    from vrm import tasks

    now = now or timezone.now()
    with transaction.atomic():
        vault = Vault.objects.select_for_update().filter(person=person).first()
        if vault is None:
            Vault.objects.create(person=person, key_ref=None, shredded_at=now)
        elif not vault.is_shredded:
            DataKey.objects.filter(pk=vault.key_ref).delete()
            vault.key_ref, vault.shredded_at = None, now
            vault.save(update_fields=["key_ref", "shredded_at"])
        end_all_grants_for_erasure(person, actor=actor, reason="account erased", now=now)
        for device in devices_for_user(person, confirmed=None):
            device.delete()
        person.is_active = False
        person.password = make_password(None)
        person.username = f"erased-{uuid.uuid4().hex}"
        person.email = person.first_name = person.last_name = ""
        person.save(update_fields=["is_active", "password", "username", "email", "first_name", "last_name"])
        transaction.on_commit(lambda: tasks.purge_erased_vaults.delay())


def purge_erased_vaults(now=None, batch_size=PURGE_BATCH_SIZE) -> int:
    """Delete the sealed rows and custom attributes left in erased vaults; returns how many vaults finished."""
    now = now or timezone.now()
    finished = 0
    while True:
        with transaction.atomic():
            vaults = list(
                Vault.objects.select_for_update()
                .filter(shredded_at__isnull=False, purged_at__isnull=True)
                .order_by("id")[:batch_size]
            )
            if not vaults:
                return finished
            ProfileValue.objects.filter(vault__in=vaults).delete()
            VaultRecord.objects.filter(vault__in=vaults).delete()
            AttributeDefinition.objects.filter(owner_id__in=[vault.person_id for vault in vaults]).delete()
            Vault.objects.filter(id__in=[vault.id for vault in vaults]).update(purged_at=now)
        finished += len(vaults)


# A key stored for a vault whose row did not commit is left this long before it counts as unreferenced,
# so a vault creation still in flight always finds its key.
UNREFERENCED_KEY_AGE = timedelta(days=1)


def purge_unreferenced_data_keys(now=None, batch_size=PURGE_BATCH_SIZE) -> int:
    """Delete data keys that no vault names, stored more than a day ago; returns how many.

    The two databases share no transaction: a vault creation that rolls back after its key was
    written, or a user deleted outside erase_person (its vault row cascades), leaves a key behind
    that nothing can use. Walks the key store by id in batches, asking the main database which
    references are still named.
    """
    cutoff = (now or timezone.now()) - UNREFERENCED_KEY_AGE
    deleted, after = 0, None
    while True:
        stored = DataKey.objects.filter(created_at__lt=cutoff).order_by("id")
        if after is not None:
            stored = stored.filter(id__gt=after)
        refs = list(stored.values_list("id", flat=True)[:batch_size])
        if not refs:
            return deleted
        after = refs[-1]
        named = set(Vault.objects.filter(key_ref__in=refs).values_list("key_ref", flat=True))
        unreferenced = [ref for ref in refs if ref not in named]
        if unreferenced:
            deleted += DataKey.objects.filter(id__in=unreferenced, created_at__lt=cutoff).delete()[0]


def master_key_ids_in_use() -> set[str]:
    """Ids of the master keys that wrap stored data keys: one query over the key store's (key_id, id) index.

    Erased vaults have no data key left in the key store, so they need no master key.
    """
    return set(DataKey.objects.order_by().values_list("key_id", flat=True).distinct())


ROTATION_BATCH_SIZE = 1000


def data_keys_to_rewrap():
    """Data keys (in the key store) still wrapped by an older master key.

    Filters on the older key ids in use (the (key_id, id) index), so keys already re-wrapped
    are never scanned again.
    """
    older = master_key_ids_in_use() - {crypto.newest_key_id()}
    return DataKey.objects.filter(key_id__in=sorted(older))


def rewrap_next_batch(batch_size=ROTATION_BATCH_SIZE, now=None) -> int:
    """Re-wrap up to batch_size data keys under the newest master key; returns how many (0 = done).

    Works on the key store alone. Each batch is one key store transaction (one locking read, one
    batched update), so an interrupted rotation resumes where it stopped. Raises
    crypto.DecryptionError if a key's master key is not loaded (and the batch changes nothing).
    """
    now = now or timezone.now()
    using = router.db_for_write(DataKey)
    with transaction.atomic(using=using):
        batch = list(
            data_keys_to_rewrap()
            .select_for_update()
            .order_by("key_id", "id")
            .values_list("id", "wrapped_key", "key_id")[:batch_size]
        )
        rewrapped = [
            (key_ref, crypto.rewrap(crypto.WrappedKey(bytes(wrapped_key), key_id), key_ref))
            for key_ref, wrapped_key, key_id in batch
        ]
        _save_rewrapped(connections[using], rewrapped, now)
    return len(batch)


def _save_rewrapped(connection, rewrapped, now):
    """One UPDATE statement sent for many rows (executemany): Django's bulk_update builds a CASE per row."""
    quote = connection.ops.quote_name
    field = DataKey._meta.get_field
    sql = (
        f"UPDATE {quote(DataKey._meta.db_table)} SET {quote('wrapped_key')} = %s, {quote('key_id')} = %s, "
        f"{quote('rewrapped_at')} = %s WHERE {quote('id')} = %s"
    )
    rewrapped_at = field("rewrapped_at").get_db_prep_value(now, connection)
    with connection.cursor() as cursor:
        cursor.executemany(sql, [
            (
                field("wrapped_key").get_db_prep_value(wrapped.ciphertext, connection),
                wrapped.key_id,
                rewrapped_at,
                field("id").get_db_prep_value(key_ref, connection),
            )
            for key_ref, wrapped in rewrapped
        ])
