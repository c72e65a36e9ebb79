"""Bytes that belong to the person but are no profile value (a vendor's answer to their access request):
sealed under the person's data key, bound to the row that stores them, so erasure shreds them too."""

from vrm import keystore
from vrm.models import Vault
from vrm.vault.errors import VaultErased
from vrm.vault.vaults import open_vault


def seal_for_person(person, plaintext: bytes, *, context: str) -> bytes:
    """Seal bytes under the person's data key, bound to `context` (which names the row that stores them).
    Raises VaultErased."""
    _, data_key = open_vault(person)
    return data_key.seal(plaintext, context)


def open_for_person(person, sealed: bytes, *, context: str) -> bytes:
    """Open what seal_for_person sealed for this context; raises VaultErased, or crypto.DecryptionError."""
    vault = Vault.objects.filter(person=person).first()
    if vault is None or vault.is_shredded:
        raise VaultErased("this account was erased")
    return keystore.unwrap_for(person.pk, vault.key_ref).open(sealed, context)
