"""The attribute catalogue: categories, typed attributes, their validation, and the scopes named after them.

Person-editable categories hold attributes (the catalogue's, plus a person's
custom ones); ``purchases`` holds records that vendors write with
``purchases:write``. Scopes are named after categories.
"""

import datetime
import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.formats import date_format
from django_countries import countries

IDENTITY, CONTACT, ADDRESS, PREFERENCES, PURCHASES = "identity", "contact", "address", "preferences", "purchases"

# category -> (label, description); person-editable categories first, in display order.
CATEGORIES = {
    IDENTITY: ("Identity", "Who you are: your name and date of birth."),
    CONTACT: ("Contact", "How to reach you."),
    ADDRESS: ("Address", "Where you live and receive deliveries."),
    PREFERENCES: ("Preferences", "How you like to be served."),
    PURCHASES: ("Purchases", "Records vendors add to your vault, such as purchase receipts."),
}
PROFILE_CATEGORIES = (IDENTITY, CONTACT, ADDRESS, PREFERENCES)
RECORD_CATEGORIES = (PURCHASES,)

SCOPES: dict[str, str] = {
    "identity:read": "Read your identity (name, date of birth)",
    "contact:read": "Read your contact details (e-mail, phone)",
    "address:read": "Read your address",
    "preferences:read": "Read your preferences",
    "purchases:read": "Read the purchase records in your vault",
    "purchases:write": "Add purchase records to your vault",
}
READ_SCOPE_CATEGORY = {f"{category}:read": category for category in CATEGORIES}
WRITE_SCOPE_CATEGORY = {"purchases:write": PURCHASES}
CATEGORY_READ_SCOPE = {category: scope for scope, category in READ_SCOPE_CATEGORY.items()}

EMAIL, PHONE, DATE, COUNTRY, TEXT, CHOICE = "email", "phone", "date", "country", "text", "choice"
TYPES = {
    TEXT: "Free text",
    EMAIL: "E-mail address",
    PHONE: "Phone number",
    DATE: "Date",
    COUNTRY: "Country",
    CHOICE: "Choice from a list",
}
MAX_TEXT_LENGTH = 500
MAX_CHOICES = 30
# Characters refused in free text: C0/C1 controls (tab and line breaks are fine in a value) and the
# bidirectional embeddings, overrides and isolates that make text display other than it reads.
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
CONTROL_IN_TEXT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI_CONTROLS}]")
CONTROL_IN_NAME = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI_CONTROLS}]")

# The catalogue: (category, key, label, type, choices, help text). Seeded into AttributeDefinition by
# a data migration; `seed_catalogue` is idempotent so a later migration can add attributes.
CATALOGUE = [
    (IDENTITY, "given_name", "Given name", TEXT, [], ""),
    (IDENTITY, "family_name", "Family name", TEXT, [], ""),
    (IDENTITY, "birth_date", "Date of birth", DATE, [], "As YYYY-MM-DD."),
    (CONTACT, "email", "E-mail address", EMAIL, [], ""),
    (CONTACT, "phone", "Phone number", PHONE, [], "With country code, e.g. +44 20 7946 0958."),
    (ADDRESS, "street", "Street and number", TEXT, [], ""),
    (ADDRESS, "postal_code", "Postal code", TEXT, [], ""),
    (ADDRESS, "city", "City", TEXT, [], ""),
    (ADDRESS, "country", "Country", COUNTRY, [], ""),
    (PREFERENCES, "language", "Preferred language", CHOICE, ["English", "Deutsch", "Français", "Español", "Italiano", "Nederlands"], ""),
    (PREFERENCES, "contact_channel", "Preferred contact channel", CHOICE, ["E-mail", "Phone", "Post", "None"], ""),
    (PREFERENCES, "clothing_size", "Clothing size", CHOICE, ["XS", "S", "M", "L", "XL", "XXL"], ""),
]


def seed_catalogue(attribute_model, using="default"):
    """Create or update the catalogue's attribute definitions (owner = none); safe to run again."""
    for position, (category, key, label, type_, choices, help_text) in enumerate(CATALOGUE):
        attribute_model.objects.using(using).update_or_create(
            owner=None,
            key=key,
            defaults={
                "category": category,
                "label": label,
                "type": type_,
                "choices": choices,
                "help_text": help_text,
                "position": position,
            },
        )


def country_choices():
    return list(countries)


def clean_value(type_, value, choices=()):
    """Validate a submitted value for an attribute type; return its normal form (a string, "" for blank).

    Raises django's ValidationError with a message fit for a form field.
    """
    if not isinstance(value, str):
        raise ValidationError("Enter text.")
    # Before stripping: str.strip() also removes some controls (\x1c-\x1f, \x85), which would turn
    # a value made of them into a blank that clears the attribute instead of a refusal.
    if CONTROL_IN_TEXT.search(value):
        raise ValidationError("Remove the control characters.")
    value = value.strip()
    if len(value) > MAX_TEXT_LENGTH:
        raise ValidationError(f"Use at most {MAX_TEXT_LENGTH} characters.")
    if value == "":
        return value
    if type_ == TEXT:
        return value
    if type_ == EMAIL:
        validate_email(value)
        return value
    if type_ == PHONE:
        try:
            number = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException:
            raise ValidationError("Enter a phone number with its country code, e.g. +44 20 7946 0958.") from None
        if not phonenumbers.is_valid_number(number):
            raise ValidationError("This is not a valid phone number.")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if type_ == DATE:
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            raise ValidationError("Enter a date as YYYY-MM-DD.") from None
        if not datetime.date(1900, 1, 1) <= day <= datetime.date(2100, 12, 31):
            raise ValidationError("Enter a date between 1900 and 2100.")
        return day.isoformat()
    if type_ == COUNTRY:
        code = value.upper()
        if code not in countries:
            raise ValidationError("Choose a country from the list.")
        return code
    if type_ == CHOICE:
        if value not in choices:
            raise ValidationError("Choose one of the listed options.")
        return value
    raise ValidationError(f"Unknown attribute type {type_!r}.")


def display_value(type_, value):
    """A stored value as a person reads it: country codes become names, phone numbers are grouped as
    people write them (+44 20 7946 0958), dates follow the active locale's format."""
    if type_ == COUNTRY and value:
        return countries.name(value) or value
    if type_ == PHONE and value:
        try:
            number = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException:
            return value
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if type_ == DATE and value:
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            return value
        return date_format(day, "DATE_FORMAT")
    return value
