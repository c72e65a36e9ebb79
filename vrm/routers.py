"""Database routing: data keys live in the key store database, everything else in the main one.

Keeping the wrapped data keys apart from the values they protect is what makes erasure hold
for backups: a copy of the main database holds no key material at all.
"""

KEYSTORE = "keystore"
KEYSTORE_MODELS = {("vrm", "datakey")}


def _in_keystore(model_or_instance):
    # Through _meta, not type(): a lazy object (request.user) stands in for its model instance.
    meta = model_or_instance._meta
    return (meta.app_label, meta.model_name) in KEYSTORE_MODELS


class KeyStoreRouter:
    """DataKey reads, writes and migrations go to the `keystore` alias; no other model ever does."""

    def db_for_read(self, model, **hints):
        return KEYSTORE if _in_keystore(model) else None

    def db_for_write(self, model, **hints):
        return KEYSTORE if _in_keystore(model) else None

    def allow_relation(self, obj1, obj2, **hints):
        # No foreign key crosses the two databases (Vault keeps a plain reference).
        if _in_keystore(obj1) != _in_keystore(obj2):
            return False
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if (app_label, model_name) in KEYSTORE_MODELS:
            return db == KEYSTORE
        if db == KEYSTORE:
            return False
        return None
