from datetime import timedelta

import pytest

from consents.exceptions import InvalidTerms
from consents.terms import format_duration, parse_duration, validate_terms


@pytest.mark.parametrize(
    "text, expected",
    [
        ("P90D", timedelta(days=90)),
        ("p1y", timedelta(days=365)),
        ("P6M", timedelta(days=180)),
        ("P2W", timedelta(days=14)),
        ("PT12H", timedelta(hours=12)),
        ("P1DT30M", timedelta(days=1, minutes=30)),
        ("30", timedelta(days=30)),
    ],
)
def test_it_reads_iso_8601_durations_and_days(text, expected):
    assert parse_duration(text, name="duration") == expected


@pytest.mark.parametrize("text", ["", "P", "PT", "90 days", "-5", "P-1D", "1.5", "P1.5D", "P" + "9" * 50 + "D"])
def test_it_refuses_anything_else_naming_the_parameter(text):
    with pytest.raises(InvalidTerms, match="duration"):
        parse_duration(text, name="duration")


def test_it_writes_durations_back_in_iso_8601():
    assert [format_duration(value) for value in (timedelta(days=90), timedelta(hours=12), timedelta(0))] == [
        "P90D", "PT12H", "P0D",
    ]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"purpose": "selling"}, "purpose must be one of"),
        ({"duration": timedelta(0)}, "longer than zero"),
        ({"duration": timedelta(days=3000)}, "at most 730 days"),
        ({"retention": timedelta(days=-1)}, "not be negative"),
        ({"purpose_text": "x" * 1001}, "at most 1000"),
        ({"max_reads_per_day": 0}, "max_reads_per_day"),
    ],
)
def test_it_refuses_terms_out_of_bounds(change, message):
    terms = {"purpose": "delivery", "purpose_text": "", "duration": timedelta(days=30), "retention": timedelta(days=30)}
    with pytest.raises(InvalidTerms, match=message):
        validate_terms(**{**terms, **change})
