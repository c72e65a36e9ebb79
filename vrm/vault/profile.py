"""Profile values: the person's attributes by category, validated, sealed one by one, and read back in memory."""

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import Q
from django.utils import timezone

from vrm import catalogue, keystore
from vrm.models import AttributeDefinition, ProfileValue, Vault, VaultRecord
from vrm.vault.errors import InvalidProfileValue
from vrm.vault.records import record_dict
from vrm.vault.vaults import check_categories, open_vault


def _value_context(attribute_id, attribute_key):
    return f"profile:{attribute_id}:{attribute_key}"


def attributes_for(person, categories):
    """The catalogue's and the person's own attribute definitions in these categories, in display order."""
    categories = check_categories(categories, catalogue.PROFILE_CATEGORIES)
    return list(
        AttributeDefinition.objects.filter(category__in=categories)
        .filter(Q(owner__isnull=True) | Q(owner=person))
        .order_by("owner_id", "position", "id")
    )


def attribute_labels(person, categories) -> dict[str, dict[str, str]]:
    """{category: {attribute_key: label}} for display, e.g. on the consent screen's preview."""
    categories = check_categories(categories)
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
    categories = check_categories(categories)
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
    key = keystore.unwrap_for(person.pk, key_ref)
    for _, _, attribute_id, attribute_key, category, sealed_value in rows:
        profile[category][attribute_key] = key.open(sealed_value, _value_context(attribute_id, attribute_key)).decode()
    record_categories = [category for category in categories if category in catalogue.RECORD_CATEGORIES]
    if record_categories:
        records = VaultRecord.objects.filter(vault_id=vault_id, category__in=record_categories, retain_until__gt=now)
        for record in records.order_by("-created_at", "id"):
            profile[record.category]["records"].append(record_dict(record, key))
    return profile


@transaction.atomic
def update_profile(person, *, category, values: dict[str, str]) -> dict[str, str]:
    """Set (or, for an empty value, clear) attributes of one category; all or nothing.

    Each value is validated for its attribute's type and stored sealed. Raises
    InvalidProfileValue (nothing changed) on any invalid value or unknown key.
    Returns the normalised values that were set.
    """
    check_categories([category], catalogue.PROFILE_CATEGORIES)
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
    vault, data_key = open_vault(person)
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
