"""The design system's template tags, built into every template (settings TEMPLATES "builtins").

Components are includes under templates/includes/; these tags pick and fill them so a page never
renders a raw key or format: the menu's current section, a data category's icon and words, and a
date shown relative and absolute in the person's time zone."""

from django import template
from django.templatetags.static import static
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince, timeuntil

from consents.terms import describe_duration
from vrm.catalogue import CATEGORIES, READ_SCOPE_CATEGORY, WRITE_SCOPE_CATEGORY

register = template.Library()

ICONED_CATEGORIES = set(CATEGORIES)


@register.simple_tag(takes_context=True)
def current(context, prefix, but=""):
    """` aria-current="page"` when the request's path lies under `prefix` and under none of the
    space-separated prefixes in `but` (for the menu), else nothing."""
    request = context.get("request")
    path = getattr(request, "path", "")
    matches = path.startswith(prefix) and not any(path.startswith(other) for other in but.split())
    return mark_safe(' aria-current="page"') if matches else ""


@register.inclusion_tag("includes/category_icon.html")
def category_icon(category):
    """The data category's icon (from static/img/icons.svg), hidden from screen readers beside its words."""
    name = category if category in ICONED_CATEGORIES else "other"
    return {"href": static("img/icons.svg") + f"#icon-{name}"}


@register.filter
def category_of(scope):
    """The data category a scope key is about (`address:read` -> `address`)."""
    return READ_SCOPE_CATEGORY.get(scope) or WRITE_SCOPE_CATEGORY.get(scope) or scope.partition(":")[0]


@register.filter
def categories_of(scopes):
    """[(category, label, writes)] for a list of scope keys, in catalogue order, for words and icons."""
    found = {}
    for scope in scopes:
        category = category_of(scope)
        writes = scope in WRITE_SCOPE_CATEGORY
        label = CATEGORIES.get(category, (category.replace("_", " ").capitalize(), ""))[0]
        previous = found.get(category)
        found[category] = (category, label, writes or (previous[2] if previous else False))
    order = list(CATEGORIES)
    return sorted(found.values(), key=lambda item: order.index(item[0]) if item[0] in order else len(order))


@register.filter
def duration(value):
    """A timedelta as people read it ('15 minutes', '30 days'), never '0:15:00'."""
    return describe_duration(value) if value is not None else ""


@register.simple_tag
def relative(value, now=None):
    """'in 3 months' or '2 days ago' for a moment, against now; '' for none."""
    if value is None:
        return ""
    now = now or timezone.now()
    if value >= now:
        return f"in {timeuntil(value, now, depth=1)}"
    return f"{timesince(value, now, depth=1)} ago"


@register.inclusion_tag("includes/date.html")
def when(value, style="datetime", relative_to=None):
    """A <time> element: the date in the person's zone and locale, optionally with 'in 3 months'."""
    return {
        "value": value,
        "date_only": style == "date",
        "relative": relative(value, relative_to) if style == "relative" and value is not None else "",
    }
