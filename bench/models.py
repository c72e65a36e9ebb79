"""The bare baseline's table: ten plaintext values in one row, what "DOT in front of a table" serves."""

from django.conf import settings
from django.db import models

BASELINE_FIELDS = (
    "given_name", "family_name", "birth_date", "email", "phone",
    "street", "postal_code", "city", "country", "language",
)


class BaselineProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    birth_date = models.CharField(max_length=10)
    email = models.CharField(max_length=200)
    phone = models.CharField(max_length=32)
    street = models.CharField(max_length=200)
    postal_code = models.CharField(max_length=16)
    city = models.CharField(max_length=100)
    country = models.CharField(max_length=2)
    language = models.CharField(max_length=32)

    def __str__(self):
        return f"baseline profile of {self.user_id}"
