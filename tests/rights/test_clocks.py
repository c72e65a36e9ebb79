"""The legal clocks: one test per jurisdiction, an extension, and month ends in leap and common years."""

from datetime import date, datetime, timezone

import pytest

from rights import clocks
from rights.clocks import ACCESS, DELETION, DO_NOT_SELL, OBJECTION, NoSuchRight, due_date


def test_gdpr_gives_one_calendar_month_to_the_same_date():
    # Thursday 15 January 2026 -> Sunday 15 February rolls to Monday 16 February (Reg. 1182/71 art. 3(4)).
    assert due_date("EU", ACCESS, date(2026, 1, 15)) == date(2026, 2, 16)
    assert due_date("EU", DELETION, date(2026, 3, 10)) == date(2026, 4, 10)


def test_a_month_from_the_31st_ends_on_the_last_day_of_a_shorter_month():
    assert due_date("EU", ACCESS, date(2023, 1, 31)) == date(2023, 2, 28)
    assert due_date("EU", ACCESS, date(2025, 3, 31)) == date(2025, 4, 30)


def test_a_month_from_the_end_of_january_in_a_leap_year_ends_on_29_february():
    assert due_date("EU", ACCESS, date(2024, 1, 31)) == date(2024, 2, 29)
    assert due_date("UK", ACCESS, date(2024, 1, 29)) == date(2024, 2, 29)


def test_a_month_end_on_a_saturday_moves_to_the_monday():
    # 31 January 2026 + 1 month = Saturday 28 February -> Monday 2 March.
    assert due_date("UK", ACCESS, date(2026, 1, 31)) == date(2026, 3, 2)


def test_a_gdpr_extension_gives_three_months_from_receipt():
    assert due_date("EU", ACCESS, date(2024, 11, 30), extended=True) == date(2025, 2, 28)
    assert due_date("UK", OBJECTION, date(2026, 4, 1), extended=True) == date(2026, 7, 1)


def test_ccpa_gives_45_days_extendable_to_90():
    assert due_date("US-CA", ACCESS, date(2026, 1, 5)) == date(2026, 2, 19)
    assert due_date("US-CA", ACCESS, date(2026, 1, 5), extended=True) == date(2026, 4, 6)  # Sat 4 Apr -> Mon 6


def test_ccpa_opt_out_of_sale_counts_15_business_days_and_cannot_be_extended():
    # Friday 2 January 2026 + 15 business days (weekends skipped) = Friday 23 January.
    assert due_date("US-CA", DO_NOT_SELL, date(2026, 1, 2)) == date(2026, 1, 23)
    with pytest.raises(NoSuchRight):
        due_date("US-CA", DO_NOT_SELL, date(2026, 1, 2), extended=True)


def test_ccpa_gives_no_general_right_to_object():
    with pytest.raises(NoSuchRight):
        due_date("US-CA", OBJECTION, date(2026, 1, 2))
    assert OBJECTION not in dict(clocks.kinds_in("US-CA"))


def test_lgpd_gives_15_calendar_days_without_extension_across_a_leap_day():
    assert due_date("BR", ACCESS, date(2024, 2, 20)) == date(2024, 3, 6)
    assert due_date("BR", ACCESS, date(2026, 2, 20)) == date(2026, 3, 7)  # a Saturday: no roll under the LGPD
    with pytest.raises(NoSuchRight):
        due_date("BR", ACCESS, date(2026, 2, 20), extended=True)


def test_the_deadline_is_the_end_of_the_due_date_in_utc():
    received = datetime(2024, 1, 31, 23, 30, tzinfo=timezone.utc)
    assert clocks.deadline("EU", ACCESS, received) == datetime(2024, 3, 1, tzinfo=timezone.utc)


def test_every_clock_names_its_legal_basis_and_an_unknown_jurisdiction_is_refused():
    for jurisdiction in clocks.JURISDICTIONS.values():
        assert all(clock.basis for clock in jurisdiction.clocks.values())
    with pytest.raises(NoSuchRight):
        clocks.clock_for("XX", ACCESS)
