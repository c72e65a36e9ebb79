"""The person's vault: services (writes) and selectors (reads) over sealed profile values and records.

Plaintext exists only in the dicts these functions return, for the caller's
request; what goes to the database is sealed by ``vrm.crypto`` with the vault's
data key from ``vrm.keystore``. One module per concept: ``vaults`` (creation,
shredding, purging), ``profile`` (profile values), ``attributes`` (custom
attributes), ``records`` (vendor-written records), ``errors``.
"""

from vrm.vault.attributes import (
    MAX_CUSTOM_ATTRIBUTES,
    add_custom_attribute,
    delete_custom_attribute,
)
from vrm.vault.errors import (
    InvalidAttribute,
    InvalidProfileValue,
    InvalidRecord,
    UnknownCategory,
    VaultErased,
    VaultError,
)
from vrm.vault.profile import (
    attribute_labels,
    attributes_for,
    read_profile,
    update_profile,
)
from vrm.vault.records import (
    MAX_RECORD_BYTES,
    MAX_RECORD_KEYS,
    add_record,
    purge_expired_records,
)
from vrm.vault.sealed import open_for_person, seal_for_person
from vrm.vault.vaults import ensure_vault, purge_erased_vaults, shred_vault

__all__ = [
    "MAX_CUSTOM_ATTRIBUTES", "MAX_RECORD_BYTES", "MAX_RECORD_KEYS",
    "InvalidAttribute", "InvalidProfileValue", "InvalidRecord", "UnknownCategory", "VaultErased", "VaultError",
    "add_custom_attribute", "add_record", "attribute_labels", "attributes_for", "delete_custom_attribute",
    "ensure_vault", "open_for_person", "purge_erased_vaults", "purge_expired_records", "read_profile",
    "seal_for_person", "shred_vault", "update_profile",
]
