"""Selectors for the person's profile pages: the overview by category and who can see what."""

from dataclasses import dataclass, field

from django.utils import timezone

from consents.models import Grant
from vrm import catalogue, vault


@dataclass
class AttributeRow:
    attribute: object
    value: str | None
    display: str | None


@dataclass
class CategorySection:
    key: str
    label: str
    description: str
    rows: list[AttributeRow] = field(default_factory=list)
    visible_to: list[Grant] = field(default_factory=list)


def grants_seeing_categories(person, categories, *, now=None) -> dict[str, list[Grant]]:
    """{category: [grants that can read it right now]}: active, started, not expired, with the read scope.

    One query. Scopes are per category, so every attribute of a category (custom ones too) is
    visible to exactly these grants.
    """
    now = now or timezone.now()
    grants = (
        Grant.objects.filter(person=person, status=Grant.Status.ACTIVE, starts_at__lte=now, expires_at__gt=now)
        .select_related("client__vendor")
        .order_by("client__name", "created_at")
    )
    seeing = {category: [] for category in categories}
    for grant in grants:
        for category in categories:
            if catalogue.CATEGORY_READ_SCOPE[category] in grant.scopes:
                seeing[category].append(grant)
    return seeing


def profile_overview(person, *, now=None) -> list[CategorySection]:
    """Every profile category with its attributes (catalogue and custom), their values, and who sees them."""
    categories = list(catalogue.PROFILE_CATEGORIES)
    values = vault.read_profile(person, categories, now=now)
    seeing = grants_seeing_categories(person, categories, now=now)
    sections = {
        category: CategorySection(category, *catalogue.CATEGORIES[category], visible_to=seeing[category])
        for category in categories
    }
    for attribute in vault.attributes_for(person, categories):
        value = values[attribute.category].get(attribute.key)
        sections[attribute.category].rows.append(
            AttributeRow(attribute, value, catalogue.display_value(attribute.type, value))
        )
    return list(sections.values())
