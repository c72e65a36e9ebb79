"""A person's vault: created with its data key on first use, shredded on erasure, purged after."""

from django.db import transaction
from django.utils import timezone

from vrm import catalogue, crypto, keystore
from vrm.models import AttributeDefinition, ProfileValue, Vault, VaultRecord
from vrm.vault.errors import UnknownCategory, VaultErased

PURGE_BATCH_SIZE = 500


def check_categories(categories, allowed=tuple(catalogue.CATEGORIES)):
    categories = list(dict.fromkeys(categories))
    unknown = [category for category in categories if category not in allowed]
    if unknown:
        raise UnknownCategory(f"unknown categories: {', '.join(map(str, unknown))}")
    return categories


def ensure_vault(person):
    """The person's vault, created with a fresh data key if they have none yet.

    The two databases share no transaction, so the key store is written first: a vault row never
    names a key that was not stored. A vault rolled back afterwards leaves an unreferenced key that
    nothing can use; one lost to a concurrent creation is deleted here.
    """
    vault = Vault.objects.filter(person=person).first()
    if vault is not None:
        return vault
    key_ref = keystore.store_new_data_key(person)
    vault, created = Vault.objects.get_or_create(person=person, defaults={"key_ref": key_ref})
    if not created:
        keystore.destroy_data_key(key_ref)
    return vault


def open_vault(person) -> tuple[Vault, crypto.DataKey]:
    """(vault, data key) for a person who can still be written to; raises VaultErased otherwise."""
    vault = ensure_vault(person)
    if vault.is_shredded:
        raise VaultErased("this account was erased")
    return vault, keystore.unwrap_for(person.pk, vault.key_ref)


def shred_vault(person, *, now) -> None:
    """Destroy the person's data key and mark their vault shredded; call inside the erasure's transaction.

    The key is deleted from the key store first and committed there at once (irreversible by intent;
    the main database's transaction cannot take it back). After this no value sealed for the person can
    be opened, here or in any copy of the main database taken before, since such a copy never held the key.
    """
    vault = Vault.objects.select_for_update().filter(person=person).first()
    if vault is None:
        Vault.objects.create(person=person, key_ref=None, shredded_at=now)
    elif not vault.is_shredded:
        keystore.destroy_data_key(vault.key_ref)
        vault.key_ref, vault.shredded_at = None, now
        vault.save(update_fields=["key_ref", "shredded_at"])


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
