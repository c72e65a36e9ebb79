"""Custom attributes: definitions a person adds to a profile category of their own."""

from django.db import transaction
from django.utils.text import slugify

from vrm import catalogue
from vrm.models import AttributeDefinition
from vrm.vault.errors import InvalidAttribute

MAX_CUSTOM_ATTRIBUTES = 50


@transaction.atomic
def add_custom_attribute(person, *, category, label, type, choices=()) -> AttributeDefinition:
    """Define a custom attribute of the person's own in a profile category; raises InvalidAttribute."""
    if category not in catalogue.PROFILE_CATEGORIES:
        raise InvalidAttribute("Choose one of the profile categories.")
    label = (label or "").strip()
    if not label or len(label) > 100:
        raise InvalidAttribute("Give the attribute a name of 1 to 100 characters.")
    if catalogue.CONTROL_IN_NAME.search(label):
        raise InvalidAttribute("Remove the control characters from the name.")
    if type not in catalogue.TYPES:
        raise InvalidAttribute("Choose one of the attribute types.")
    choices = [choice.strip() for choice in choices if choice.strip()]
    choices = list(dict.fromkeys(choices))
    if type == catalogue.CHOICE and not 2 <= len(choices) <= catalogue.MAX_CHOICES:
        raise InvalidAttribute(f"A choice needs between 2 and {catalogue.MAX_CHOICES} options.")
    if any(len(choice) > 100 for choice in choices):
        raise InvalidAttribute("Keep each option under 100 characters.")
    if any(catalogue.CONTROL_IN_NAME.search(choice) for choice in choices):
        raise InvalidAttribute("Remove the control characters from the options.")
    if type != catalogue.CHOICE:
        choices = []
    owned = AttributeDefinition.objects.select_for_update().filter(owner=person)
    if owned.count() >= MAX_CUSTOM_ATTRIBUTES:
        raise InvalidAttribute(f"You can define at most {MAX_CUSTOM_ATTRIBUTES} attributes of your own.")
    base = "custom_" + (slugify(label).replace("-", "_")[:40] or "attribute")
    taken = set(owned.values_list("key", flat=True))
    key_name, suffix = base, 2
    while key_name in taken:
        key_name, suffix = f"{base}_{suffix}", suffix + 1
    if AttributeDefinition.objects.filter(owner=person, category=category, label__iexact=label).exists():
        raise InvalidAttribute("You already have an attribute with this name in this category.")
    return AttributeDefinition.objects.create(
        owner=person,
        category=category,
        key=key_name,
        label=label,
        type=type,
        choices=choices,
        position=1000 + len(taken),
    )


@transaction.atomic
def delete_custom_attribute(person, attribute_id) -> None:
    """Remove one of the person's own attributes and its value; catalogue attributes cannot be removed."""
    deleted, _ = AttributeDefinition.objects.filter(owner=person, pk=attribute_id).delete()
    if not deleted:
        raise InvalidAttribute("There is no such attribute of yours.")
