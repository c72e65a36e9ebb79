import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from vrm import catalogue


class User(AbstractUser):
    """Anyone who signs in: a person keeping a vault, a vendor's developer, or an auditor."""

    class Role(models.TextChoices):
        PERSON = "person", "Person"
        VENDOR = "vendor", "Vendor developer"
        AUDITOR = "auditor", "Auditor"

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PERSON)
    # Display preferences (vrm/preferences.py): blank means the browser's time zone and the site's language.
    time_zone = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=16, blank=True)

    @property
    def is_person(self):
        return self.role == self.Role.PERSON

    @property
    def is_auditor(self):
        return self.role == self.Role.AUDITOR

    @property
    def is_vendor_user(self):
        return self.role == self.Role.VENDOR


class Heartbeat(models.Model):
    """Written by a worker when beat (or anyone) sends the heartbeat task: proof the queue is alive."""

    token = models.CharField(max_length=64, unique=True)
    worker_pid = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return f"heartbeat {self.token} from pid {self.worker_pid}"


class DataKey(models.Model):
    """A person's data key, wrapped by a master key: the only key material, kept in the key store database.

    Routed to the `keystore` database alias (vrm/routers.py), apart from the data it protects: a
    backup of the main database holds no key, so erasure (deleting this row) makes every copy of
    that person's values unreadable. The id is a random reference, not the person's id, and the
    wrapped key is bound to it, so a stale key never meets a reused id.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wrapped_key = models.BinaryField()
    # Which master key wrapped the data key (vrm.crypto.key_id_for); rotation re-wraps and updates it.
    key_id = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    rewrapped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["key_id", "id"], name="datakey_rotation")]

    def __str__(self):
        return f"data key {self.id}"


class Vault(models.Model):
    """A person's vault: a reference to their data key in the key store (see DataKey and vrm/crypto.py).

    Erasure deletes the data key from the key store and empties `key_ref` (crypto-shredding): every
    value sealed under it is unreadable from then on, in this database and in any copy of it.
    """

    person = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vault")
    # DataKey.id in the key store database (a reference, not a foreign key: the two databases are apart).
    key_ref = models.UUIDField(null=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    shredded_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(shredded_at__isnull=True, key_ref__isnull=False)
                | Q(shredded_at__isnull=False, key_ref__isnull=True),
                name="vault_key_present_unless_shredded",
            ),
        ]
        indexes = [
            models.Index(fields=["shredded_at", "purged_at"], name="vault_purge_sweep"),
        ]

    def __str__(self):
        return f"vault of person {self.person_id}"

    @property
    def is_shredded(self):
        return self.shredded_at is not None


class AttributeDefinition(models.Model):
    """A typed profile attribute: from the catalogue (owner empty) or a person's own (custom)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="custom_attributes"
    )
    category = models.CharField(
        max_length=32, choices=[(category, catalogue.CATEGORIES[category][0]) for category in catalogue.PROFILE_CATEGORIES]
    )
    key = models.SlugField(max_length=64)
    label = models.CharField(max_length=100)
    type = models.CharField(max_length=16, choices=list(catalogue.TYPES.items()))
    choices = models.JSONField(default=list, blank=True)
    help_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=Q(owner__isnull=True), name="catalogue_key_unique"),
            models.UniqueConstraint(fields=["owner", "key"], name="custom_attribute_key_unique_per_owner"),
            models.CheckConstraint(
                condition=Q(type__in=list(catalogue.TYPES)),
                name="attribute_type_known",
            ),
        ]
        indexes = [models.Index(fields=["category", "owner", "position"], name="attribute_by_category")]
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.category}.{self.key}"

    @property
    def is_custom(self):
        return self.owner_id is not None


class ProfileValue(models.Model):
    """One attribute's value for one person, sealed with the person's data key; never plaintext."""

    vault = models.ForeignKey(Vault, on_delete=models.CASCADE, related_name="values")
    attribute = models.ForeignKey(AttributeDefinition, on_delete=models.CASCADE, related_name="values")
    sealed_value = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vault", "attribute"], name="one_value_per_attribute")]

    def __str__(self):
        return f"value of {self.attribute_id} in vault {self.vault_id}"


class VaultRecord(models.Model):
    """A record a vendor wrote into a person's vault under a write grant (e.g. a purchase), sealed as JSON."""

    # The id is bound into the ciphertext's associated data, so it exists before the row is saved.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vault = models.ForeignKey(Vault, on_delete=models.CASCADE, related_name="records")
    category = models.CharField(max_length=32)
    sealed_data = models.BinaryField()
    written_by_grant = models.ForeignKey(
        "consents.Grant", on_delete=models.SET_NULL, null=True, blank=True, related_name="vault_records"
    )
    retain_until = models.DateTimeField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["retain_until"], name="vault_record_retention"),
            models.Index(fields=["vault", "category", "created_at"], name="vault_record_read"),
        ]

    def __str__(self):
        return f"{self.category} record {self.id}"
