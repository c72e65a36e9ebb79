"""A person's display preferences: the time zone and language every portal page is rendered in.

Dates are stored in UTC; the middleware activates the signed-in user's time zone (or, until they pick one,
the browser's, which static/js/timezone.js reports in a cookie) and language, so Django's localisation
formats render every date in the person's zone and locale."""

import zoneinfo
from urllib.parse import unquote

from django.conf import settings
from django.utils import timezone, translation

BROWSER_ZONE_COOKIE = "browser_tz"


def time_zone_choices():
    """Every IANA zone Python knows, as (name, name with spaces) pairs, sorted."""
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones()) if "/" in name]


def zone_or_none(name):
    """The ZoneInfo for this IANA name, or None for a blank or unknown one (never raises)."""
    if not name or name not in zoneinfo.available_timezones():
        return None
    return zoneinfo.ZoneInfo(name)


def update_preferences(user, *, time_zone, language):
    """Save the user's time zone and language (both already validated by the settings form)."""
    user.time_zone, user.language = time_zone, language
    user.save(update_fields=["time_zone", "language"])


class PreferencesMiddleware:
    """Activate the user's time zone and language for the request (after AuthenticationMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Only a request with a session cookie can be a signed-in person: one without (a vendor's API call)
        # never has its session read, so no query and no "Vary: Cookie".
        user = getattr(request, "user", None) if settings.SESSION_COOKIE_NAME in request.COOKIES else None
        chosen = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
        zone = zone_or_none(chosen) or zone_or_none(unquote(request.COOKIES.get(BROWSER_ZONE_COOKIE, "")))
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            return self.get_response(request)
        finally:
            # Threads serve other people next: nobody inherits this person's zone or language.
            timezone.deactivate()
            translation.deactivate()
