"""The terms a vendor asks for on /o/authorize: purpose, duration, retention, read limit.

Each comes from a request parameter or, when absent, from the defaults registered
on the client. Durations are ISO 8601 durations (``P90D``, ``P1Y``, ``P6M``,
``P2W``, ``PT12H``) or a whole number of days (``90``); a year counts as 365
days and a month as 30. See README "For vendors: OAuth and the API".
"""

import re
from dataclasses import dataclass
from datetime import timedelta

from consents.exceptions import InvalidTerms
from consents.models import Grant

MAX_DURATION = timedelta(days=2 * 365)
MAX_RETENTION = timedelta(days=10 * 365)
MAX_PURPOSE_TEXT = 1000
MAX_READS_PER_DAY = 100_000

_ISO_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def parse_duration(value, *, name):
    """An ISO 8601 duration or a number of days as a timedelta; InvalidTerms naming `name` if not."""
    text = str(value).strip().upper()
    if text.isdigit() and len(text) <= 6:
        return timedelta(days=int(text))
    match = _ISO_DURATION.match(text) if len(text) <= 40 else None
    if not match:
        raise InvalidTerms(
            f"{name} must be an ISO 8601 duration such as P90D, P6M or P1Y, or a number of days; got {value!r}."
        )
    parts = {key: int(number) for key, number in match.groupdict(default="0").items()}
    try:
        return timedelta(
            days=parts["years"] * 365 + parts["months"] * 30 + parts["weeks"] * 7 + parts["days"],
            hours=parts["hours"],
            minutes=parts["minutes"],
            seconds=parts["seconds"],
        )
    except OverflowError:
        raise InvalidTerms(f"{name} is too long.") from None


def format_duration(value):
    """A timedelta as an ISO 8601 duration (days and seconds), e.g. P90D or P1DT12H."""
    days, seconds = value.days, value.seconds
    text = f"P{days}D" if days or not seconds else "P"
    if seconds:
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        text += "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{secs}S" if secs else "")
    return text


def describe_duration(value):
    """A timedelta as people read it: '90 days', '12 hours', 'none'."""
    if value <= timedelta(0):
        return "none"
    if value.days >= 1 and not value.seconds:
        return "1 day" if value.days == 1 else f"{value.days} days"
    hours = value.total_seconds() / 3600
    if hours >= 1 and hours == int(hours):
        return "1 hour" if hours == 1 else f"{int(hours)} hours"
    minutes = int(value.total_seconds() // 60)
    return f"{minutes} minutes"


@dataclass(frozen=True)
class Terms:
    purpose: str
    purpose_text: str
    duration: timedelta
    retention: timedelta
    max_reads_per_day: int | None = None


def validate_terms(*, purpose, purpose_text, duration, retention, max_reads_per_day=None):
    """Check terms against the purpose codes and the limits; returns them as Terms or raises InvalidTerms."""
    if purpose not in Grant.Purpose.values:
        raise InvalidTerms(f"purpose must be one of {', '.join(Grant.Purpose.values)}; got {purpose!r}.")
    purpose_text = (purpose_text or "").strip()
    if len(purpose_text) > MAX_PURPOSE_TEXT:
        raise InvalidTerms(f"purpose_text must be at most {MAX_PURPOSE_TEXT} characters.")
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", purpose_text):
        raise InvalidTerms("purpose_text must not contain control characters.")
    if duration <= timedelta(0):
        raise InvalidTerms("duration must be longer than zero.")
    if duration > MAX_DURATION:
        raise InvalidTerms(f"duration must be at most {MAX_DURATION.days} days.")
    if retention < timedelta(0):
        raise InvalidTerms("retention must not be negative.")
    if retention > MAX_RETENTION:
        raise InvalidTerms(f"retention must be at most {MAX_RETENTION.days} days.")
    if max_reads_per_day is not None and not 1 <= max_reads_per_day <= MAX_READS_PER_DAY:
        raise InvalidTerms(f"max_reads_per_day must be between 1 and {MAX_READS_PER_DAY}.")
    return Terms(purpose, purpose_text, duration, retention, max_reads_per_day)


def terms_from_params(params, client):
    """The terms of an authorization request: its parameters, else the client's registered defaults."""
    purpose = params.get("purpose") or client.default_purpose
    purpose_text = params.get("purpose_text")
    if purpose_text is None:
        purpose_text = client.default_purpose_text
    duration = parse_duration(params["duration"], name="duration") if params.get("duration") else client.default_duration
    retention = (
        parse_duration(params["retention"], name="retention") if params.get("retention") else client.default_retention
    )
    max_reads = params.get("max_reads_per_day") or None
    if max_reads is not None:
        if not str(max_reads).isdigit() or len(str(max_reads)) > 9:
            raise InvalidTerms(f"max_reads_per_day must be a whole number; got {max_reads!r}.")
        max_reads = int(max_reads)
    return validate_terms(
        purpose=purpose,
        purpose_text=purpose_text,
        duration=duration,
        retention=retention,
        max_reads_per_day=max_reads,
    )
