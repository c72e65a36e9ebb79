"""Accounts of persons: sign-up, optional TOTP two-factor login, and erasure by the person."""

from base64 import b32encode

import segno
from django.contrib.auth import authenticate
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from vrm import vault
from vrm.models import User

DEVICE_NAME = "Authenticator app"


class TwoFactorError(Exception):
    """A two-factor step was refused (no pending set-up, or a wrong or reused code)."""


@transaction.atomic
def register_person(*, username, email, password) -> User:
    """Create a person's account (password hashed with the first of PASSWORD_HASHERS) and their vault."""
    person = User(username=username, email=email, role=User.Role.PERSON)
    person.set_password(password)
    person.save()
    vault.ensure_vault(person)
    return person


def confirmed_device(person):
    """The person's confirmed TOTP device, or None when two-factor login is off."""
    return TOTPDevice.objects.filter(user=person, confirmed=True).first()


def pending_device(person):
    """The TOTP device being set up (shown as a QR code until confirmed with a code), or None."""
    return TOTPDevice.objects.filter(user=person, confirmed=False).first()


@transaction.atomic
def start_two_factor(person) -> TOTPDevice:
    """Begin turning on two-factor login: a fresh unconfirmed TOTP device replaces any earlier attempt."""
    TOTPDevice.objects.filter(user=person, confirmed=False).delete()
    return TOTPDevice.objects.create(user=person, name=DEVICE_NAME, confirmed=False)


def _verify(device, token) -> bool:
    """Check a code against a device under a row lock, so a code is accepted at most once."""
    locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    return locked.verify_token((token or "").strip().replace(" ", ""))


@transaction.atomic
def confirm_two_factor(person, token) -> TOTPDevice:
    """Finish turning on two-factor login with a code from the app; raises TwoFactorError if wrong."""
    device = pending_device(person)
    if device is None:
        raise TwoFactorError("Start setting up two-factor login first.")
    if not _verify(device, token):
        raise TwoFactorError("That code is not right. Enter the current 6-digit code from your app.")
    TOTPDevice.objects.filter(user=person).exclude(pk=device.pk).delete()
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    device.refresh_from_db()
    return device


@transaction.atomic
def verify_second_factor(person, token) -> TOTPDevice:
    """The confirmed device if `token` is a valid, unused code for it; raises TwoFactorError otherwise."""
    device = confirmed_device(person)
    if device is None or not _verify(device, token):
        raise TwoFactorError("That code is not right, or it was already used. Enter the current code from your app.")
    return device


def check_current_password(request, person, password) -> bool:
    """True when `password` is the person's password, asked again before a grave step.

    Goes through authenticate() like a login, so django-axes counts a wrong
    password here as a failed login of the same username and address and
    refuses every check (even the right password) while that pair is locked out.
    """
    user = authenticate(request, username=person.get_username(), password=password)
    return user is not None and user.pk == person.pk


def disable_two_factor(person) -> int:
    """Turn two-factor login off: every TOTP device of the person is removed."""
    deleted, _ = TOTPDevice.objects.filter(user=person).delete()
    return deleted


def qr_code_data_uri(device) -> str:
    """The device's otpauth:// URL as a QR code, an SVG data URI for an <img> (no script, CSP-safe)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def secret_for_manual_entry(device) -> str:
    """The device's key in base32, grouped in fours, for apps that cannot scan."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
