from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """Anyone who signs in: a person keeping a vault, a vendor's developer, or an auditor."""

    class Role(models.TextChoices):
        PERSON = "person", "Person"
        VENDOR = "vendor", "Vendor developer"
        AUDITOR = "auditor", "Auditor"

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PERSON)

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
