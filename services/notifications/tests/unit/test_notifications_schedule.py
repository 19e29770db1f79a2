from datetime import UTC, date, datetime, timedelta

import pytest

from chantiers_common.events.common_types import AlertMode
from notifications.schedule import (
    PARIS,
    digest_period,
    is_business_day,
    last_digest_at,
    minus_business_days,
    next_digest_at,
    period_start,
)

DAILY, WEEKLY = AlertMode.DAILY, AlertMode.WEEKLY


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_next_daily_digest_on_a_weekday():
    assert next_digest_at(DAILY, paris(2026, 11, 24, 7, 59)) == paris(2026, 11, 24, 8, 0)
    # At 08:00 sharp the digest of the day is due now: the next one is tomorrow.
    assert next_digest_at(DAILY, paris(2026, 11, 24, 8, 0)) == paris(2026, 11, 25, 8, 0)
    # Immediate-mode contacts get the daily digest for what was not alerted.
    assert next_digest_at(AlertMode.IMMEDIATE, paris(2026, 11, 24, 9)) == paris(2026, 11, 25, 8)


def test_weekend_is_skipped():
    assert next_digest_at(DAILY, paris(2026, 11, 27, 9, 0)) == paris(2026, 11, 30, 8, 0)
    assert next_digest_at(DAILY, paris(2026, 11, 28, 7, 0)) == paris(2026, 11, 30, 8, 0)


def test_spring_forward_week_keeps_eight_oclock_paris():
    # DST starts Sunday 29 March 2026: Friday is UTC+1, Monday is UTC+2.
    result = next_digest_at(DAILY, paris(2026, 3, 27, 9, 0))
    assert result.astimezone(UTC) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    assert result.astimezone(PARIS).hour == 8


def test_fall_back_week_keeps_eight_oclock_paris():
    # DST ends Sunday 25 October 2026: Monday 26 is UTC+1 again.
    result = next_digest_at(DAILY, datetime(2026, 10, 23, 7, 0, tzinfo=UTC))
    assert result.astimezone(UTC) == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)
    # Asked from UTC at a time that is already Monday in Paris but before 08:00.
    sunday_night = datetime(2026, 10, 25, 23, 30, tzinfo=UTC)  # Monday 00:30 in Paris
    assert next_digest_at(DAILY, sunday_night) == paris(2026, 10, 26, 8, 0)


def test_french_public_holidays_are_not_business_days():
    assert not is_business_day(date(2026, 11, 11))  # Armistice, a Wednesday
    assert is_business_day(date(2026, 11, 12))
    assert next_digest_at(DAILY, paris(2026, 11, 10, 9)) == paris(2026, 11, 12, 8)
    # Christmas on a Friday, then the weekend.
    assert next_digest_at(DAILY, paris(2026, 12, 24, 9)) == paris(2026, 12, 28, 8)


def test_weekly_digest_is_monday_or_the_first_business_day_of_the_week():
    assert next_digest_at(WEEKLY, paris(2026, 11, 25, 12)) == paris(2026, 11, 30, 8)
    assert next_digest_at(WEEKLY, paris(2026, 11, 23, 7, 0)) == paris(2026, 11, 23, 8)
    assert next_digest_at(WEEKLY, paris(2026, 11, 23, 8, 0)) == paris(2026, 11, 30, 8)
    # Easter Monday 6 April 2026: the weekly digest leaves on Tuesday.
    easter_week = next_digest_at(WEEKLY, paris(2026, 4, 1, 12))
    assert easter_week == paris(2026, 4, 7, 8)
    assert digest_period(WEEKLY, easter_week) == "weekly:2026-W15"


def test_last_digest_at_is_the_slot_a_late_scheduler_still_owes():
    assert last_digest_at(DAILY, paris(2026, 11, 30, 7, 0)) == paris(2026, 11, 27, 8)
    assert last_digest_at(DAILY, paris(2026, 11, 30, 8, 0)) == paris(2026, 11, 30, 8)
    assert last_digest_at(WEEKLY, paris(2026, 11, 27, 18)) == paris(2026, 11, 23, 8)


def test_digest_period_keys():
    assert digest_period(DAILY, paris(2026, 11, 25, 8)) == "daily:2026-11-25"
    # 23:30 UTC on the 24th is already the 25th in Paris.
    assert digest_period(DAILY, datetime(2026, 11, 24, 23, 30, tzinfo=UTC)) == "daily:2026-11-25"
    assert digest_period(WEEKLY, paris(2026, 11, 25, 8)) == "weekly:2026-W48"
    # ISO weeks: 1 January 2027 (a Friday) belongs to week 53 of 2026.
    assert digest_period(WEEKLY, paris(2027, 1, 1, 8)) == "weekly:2026-W53"
    assert digest_period(WEEKLY, paris(2027, 1, 4, 8)) == "weekly:2027-W01"


def test_period_start_reads_keys_back():
    assert period_start("daily:2026-11-25") == date(2026, 11, 25)
    assert period_start("weekly:2026-W48") == date(2026, 11, 23)
    with pytest.raises(ValueError):
        period_start("monthly:2026-11")


def test_off_mode_has_no_digest():
    with pytest.raises(ValueError):
        next_digest_at(AlertMode.OFF, paris(2026, 11, 25, 8))


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        next_digest_at(DAILY, datetime(2026, 11, 25, 8))


def test_minus_business_days_skips_weekends_holidays_and_keeps_local_time():
    # Monday 30/11 12:00 − 3 business days = Wednesday 25/11 12:00.
    assert minus_business_days(paris(2026, 11, 30, 12), 3) == paris(2026, 11, 25, 12)
    # Friday 13/11 − 3: Thursday 12, Tuesday 10 (Wednesday 11 is a holiday), Monday 9.
    assert minus_business_days(paris(2026, 11, 13, 12), 3) == paris(2026, 11, 9, 12)
    # Across the spring DST change the wall time stays 17:00.
    result = minus_business_days(paris(2026, 3, 31, 17), 2)
    assert result == paris(2026, 3, 27, 17)
    assert result.utcoffset() == timedelta(hours=1)
