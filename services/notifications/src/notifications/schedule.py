"""When digests go out, and how their periods are named.

Daily digests leave at 08:00 Europe/Paris on business days (Monday to Friday, except French
public holidays); weekly digests at 08:00 on the first business day of the ISO week
(Monday, or Tuesday after Easter and Whit Monday). Times are built from the local date and
hour with ``zoneinfo``, so they stay at 08:00 on both sides of a DST change; 08:00 is never
in a skipped or repeated hour in Europe/Paris.

Public holidays are the national ones of metropolitan France (``holidays`` package); the
extra days of Alsace-Moselle and overseas departments are not taken into account.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from chantiers_common.events.common_types import AlertMode

PARIS = ZoneInfo("Europe/Paris")
DIGEST_TIME = time(8, 0)
# No business day is ever more than this many days after another (Christmas + weekend…);
# a bound that turns a bug in the holiday data into an error instead of an endless loop.
_MAX_GAP_DAYS = 15


@lru_cache(maxsize=64)
def _french_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FR", years=year))


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _french_holidays(day.year)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone: give an aware datetime")


def paris_date(moment: datetime) -> date:
    """The calendar day in France at that moment ("today" for daily caps and periods)."""
    _require_aware(moment)
    return moment.astimezone(PARIS).date()


def _at_digest_time(day: date) -> datetime:
    return datetime.combine(day, DIGEST_TIME, tzinfo=PARIS)


def _is_digest_day(mode: AlertMode, day: date) -> bool:
    if not is_business_day(day):
        return False
    if mode is AlertMode.WEEKLY:
        monday = day - timedelta(days=day.weekday())
        first = monday
        while not is_business_day(first):
            first += timedelta(days=1)
        return day == first
    return True


def _digest_mode(mode: AlertMode) -> AlertMode:
    # Immediate-mode contacts get a daily digest for what did not deserve an alert.
    if mode is AlertMode.OFF:
        raise ValueError("a contact whose alert mode is off gets no digest")
    return AlertMode.DAILY if mode is AlertMode.IMMEDIATE else mode


def next_digest_at(mode: AlertMode, now: datetime) -> datetime:
    """The first digest time strictly after ``now``, in Europe/Paris."""
    _require_aware(now)
    mode = _digest_mode(mode)
    local = now.astimezone(PARIS)
    day = local.date()
    if local.time() >= DIGEST_TIME:
        day += timedelta(days=1)
    for _ in range(7 + _MAX_GAP_DAYS):
        if _is_digest_day(mode, day):
            return _at_digest_time(day)
        day += timedelta(days=1)
    raise RuntimeError(f"no {mode} digest day found after {now.isoformat()}")


def last_digest_at(mode: AlertMode, now: datetime) -> datetime:
    """The latest digest time at or before ``now``: the slot a scheduler that wakes up
    late (restart, outage) still owes, keyed by :func:`digest_period` of it."""
    _require_aware(now)
    mode = _digest_mode(mode)
    local = now.astimezone(PARIS)
    day = local.date()
    if local.time() < DIGEST_TIME:
        day -= timedelta(days=1)
    for _ in range(7 + _MAX_GAP_DAYS):
        if _is_digest_day(mode, day):
            return _at_digest_time(day)
        day -= timedelta(days=1)
    raise RuntimeError(f"no {mode} digest day found before {now.isoformat()}")


def digest_period(mode: AlertMode, at: datetime) -> str:
    """The period a digest sent at ``at`` covers: ``daily:2026-11-25`` or
    ``weekly:2026-W48`` (ISO week, so the last days of December may be week 53 or 01)."""
    mode = _digest_mode(mode)
    day = paris_date(at)
    if mode is AlertMode.WEEKLY:
        iso = day.isocalendar()
        return f"weekly:{iso.year}-W{iso.week:02d}"
    return f"daily:{day.isoformat()}"


def minus_business_days(moment: datetime, count: int) -> datetime:
    """The same local time ``count`` business days earlier (in Europe/Paris).

    Used for deadlines: a deadline on Monday 12:00 minus 3 business days is the previous
    Wednesday 12:00 (Tuesday if Wednesday is a holiday…).
    """
    _require_aware(moment)
    if count < 0:
        raise ValueError("count must be >= 0")
    local = moment.astimezone(PARIS)
    day = local.date()
    remaining = count
    while remaining:
        day -= timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    # Rebuilt from the local wall time so that crossing a DST change keeps the hour.
    return datetime.combine(day, local.time(), tzinfo=PARIS)


def period_start(period: str) -> date:
    """The first day a period key names: ``daily:2026-11-25`` → 25/11/2026,
    ``weekly:2026-W48`` → Monday 23/11/2026."""
    kind, _, value = period.partition(":")
    try:
        if kind == "daily":
            return date.fromisoformat(value)
        if kind == "weekly":
            year, _, week = value.partition("-W")
            return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        pass
    raise ValueError(f"{period!r} is not a digest period (daily:YYYY-MM-DD or weekly:YYYY-Www)")
