"""The person's vault: services (writes) and selectors (reads) over sealed profile values and records.

Plaintext exists only in the dicts these functions return, for the caller's
request; what goes to the database is sealed by ``vrm.crypto``.
"""

import json
import uuid
from datetime import datetime

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from vrm import catalogue, crypto
from vrm.models import AttributeDefinition, ProfileValue, Vault, VaultRecord

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


def _wrapped(vault):
    return crypto.WrappedKey(bytes(vault.wrapped_key) if vault.wrapped_key is not None else b"", vault.key_id)


def _value_context(attribute_id, attribute_key):
    return f"profile:{attribute_id}:{attribute_key}"


def _record_context(record):
    return f"record:{record.pk}:{record.category}"


def ensure_vault(person):
    """The person's vault, created with a fresh data key if they have none yet."""
    vault = Vault.objects.filter(person=person).first()
    if vault is not None:
        return vault
    _, wrapped = crypto.new_data_key(person.pk)
    vault, _ = Vault.objects.get_or_create(
        person=person, defaults={"wrapped_key": wrapped.ciphertext, "key_id": wrapped.key_id}
    )
    return vault


def _open_vault(person):
    """(vault, data key) for a person who can still be written to; raises VaultErased otherwise."""
    vault = ensure_vault(person)
    if vault.is_shredded:
        raise VaultErased("this account was erased")
    return vault, crypto.unwrap(_wrapped(vault), person.pk)


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
    """(vault id, wrapped key, key id, attribute id, key, category, sealed value) rows in display order.

    Plain SQL: Django rebuilt this three-table query on every read, which cost more than running it.
    """
    connection = connections[router.db_for_read(ProfileValue)]
    quote = connection.ops.quote_name
    sql = (
        f"SELECT v.{quote('id')}, v.{quote('wrapped_key')}, v.{quote('key_id')}, pv.{quote('attribute_id')}, "
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
    Profile values come with the vault's wrapped key in one narrow plain SQL query; a vault without any of
    them, and record categories, take one more each. Raises crypto.DecryptionError if a value was
    tampered with or copied from another row, or if the vault was erased (its key is gone).
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
        vault_id, wrapped_key, key_id = rows[0][:3]
    else:
        vault_row = Vault.objects.filter(person=person).values_list("id", "wrapped_key", "key_id").first()
        if vault_row is None:
            return profile
        vault_id, wrapped_key, key_id = vault_row
    key = crypto.unwrap(crypto.WrappedKey(bytes(wrapped_key) if wrapped_key is not None else b"", key_id), person.pk)
    for _, _, _, attribute_id, attribute_key, category, sealed_value in rows:
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

    After this no value sealed for the person can be opened, here or in any copy of the
    database taken before. The sealed rows left behind are removed by purge_erased_vaults
    (queued after commit, and run by the periodic sweep).
    """
    from consents.grants import end_all_grants_for_erasure
    from django_otp import devices_for_user

    from vrm import tasks

    now = now or timezone.now()
    with transaction.atomic():
        vault = Vault.objects.select_for_update().filter(person=person).first()
        if vault is None:
            Vault.objects.create(person=person, wrapped_key=None, key_id="", shredded_at=now)
        elif not vault.is_shredded:
            vault.wrapped_key, vault.key_id, vault.shredded_at = None, "", now
            vault.save(update_fields=["wrapped_key", "key_id", "shredded_at"])
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


def master_key_ids_in_use() -> set[str]:
    """Ids of the master keys that wrap stored data keys: one query over the (key_id, id) index.

    Erased vaults keep no key and an empty key id, so they need no master key.
    """
    return set(Vault.objects.exclude(key_id="").order_by().values_list("key_id", flat=True).distinct())


ROTATION_BATCH_SIZE = 1000


def vaults_to_rewrap():
    """Vaults whose data key is still wrapped by an older master key.

    Filters on the older key ids in use (the (key_id, id) index), so vaults already re-wrapped
    are never scanned again.
    """
    older = master_key_ids_in_use() - {crypto.newest_key_id()}
    return Vault.objects.filter(key_id__in=sorted(older), wrapped_key__isnull=False)


def rewrap_next_batch(batch_size=ROTATION_BATCH_SIZE, now=None) -> int:
    """Re-wrap up to batch_size data keys under the newest master key; returns how many (0 = done).

    Each batch is one transaction (one locking read, one bulk update), so an interrupted
    rotation resumes where it stopped. Raises crypto.DecryptionError if a key's master key is not loaded.
    """
    now = now or timezone.now()
    with transaction.atomic():
        batch = list(
            vaults_to_rewrap()
            .select_for_update()
            .order_by("key_id", "id")
            .only("id", "person_id", "wrapped_key", "key_id")[:batch_size]
        )
        for vault in batch:
            rewrapped = crypto.rewrap(_wrapped(vault), vault.person_id)
            vault.wrapped_key, vault.key_id, vault.rewrapped_at = rewrapped.ciphertext, rewrapped.key_id, now
        Vault.objects.bulk_update(batch, ["wrapped_key", "key_id", "rewrapped_at"])
    return len(batch)
