"""Small readers for the values BOAMP writes in every schema: texts, lists that are
sometimes single values, CPV codes, departments, amounts, dates and SIRETs.

Every reader takes what the source gives (often a string, sometimes a dict produced by an
XML-to-JSON conversion with ``#text``/``@attr`` keys, sometimes a list) and returns a clean
value or ``None``: a missing or unreadable value is *unknown*, never an error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from stdnum.fr import siret as siret_number

PARIS = ZoneInfo("Europe/Paris")


def text(value: Any) -> str | None:
    """The text of a value: a string, the ``#text`` of an XML-converted element, or the
    first text of a list. Empty strings (BOAMP writes ``""`` for empty elements) → None."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, dict):
        return text(value.get("#text"))
    if isinstance(value, list):
        for item in value:
            found = text(item)
            if found:
                return found
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def as_list(value: Any) -> list[Any]:
    """XML-to-JSON conversions give a dict for one element and a list for several."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def get(obj: Any, *path: str) -> Any:
    """``obj[path[0]][path[1]]…`` or None as soon as a step is missing or not a dict."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def walk_strings(obj: Any) -> Iterator[str]:
    """Every string value in a nested structure (used to scan free texts for signals)."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if item:
                yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def dedupe(values: Iterable[str | None]) -> list[str]:
    """Keep the first occurrence of each non-empty value, in order."""
    seen: dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
    return list(seen)


_CPV = re.compile(r"(?<!\d)(\d{8})(?:-\d)?(?!\d)")


def cpv(value: Any) -> str | None:
    """A CPV code as its 8 digits: ``45432111-5`` (check digit), ``45000000.`` (v110's
    trailing dot) and ``30213100`` all give the 8 digits; anything else gives None."""
    raw = text(value)
    if not raw:
        return None
    match = _CPV.search(raw)
    if not match:
        return None
    code = match.group(1)
    # CPV divisions run from 03 to 98: "00000000" and friends are placeholders.
    return code if 3 <= int(code[:2]) <= 98 else None


def cpvs_in(value: Any) -> list[str]:
    """All CPV codes written in a free text (buyers sometimes type them in odd fields)."""
    raw = text(value)
    if not raw:
        return []
    return dedupe(c for c in (cpv(m.group(0)) for m in _CPV.finditer(raw)))


_OVERSEAS = {"971", "972", "973", "974", "975", "976", "977", "978", "986", "987", "988"}


def department(value: Any) -> str | None:
    """An INSEE department code: ``"2"`` → ``"02"`` (the API drops leading zeros in
    ``code_departement``), ``"2a"`` → ``"2A"``, ``"974"`` kept; "20" (pre-1976 Corsica) and
    anything unknown → None."""
    raw = text(value)
    if not raw:
        return None
    raw = raw.strip().upper().rstrip(".")
    if raw in ("2A", "2B") or raw in _OVERSEAS:
        return raw
    if raw.isdigit() and len(raw) <= 2:
        number = int(raw)
        if 1 <= number <= 95 and number != 20:
            return f"{number:02d}"
    return None


def department_of_postcode(postcode: str | None) -> str | None:
    """The department of a French postcode (CEDEX codes included)."""
    if not postcode or len(postcode) != 5 or not postcode.isdigit():
        return None
    if postcode.startswith(("97", "98")):
        # 971xx-976xx are the overseas departments; 977xx/978xx are CEDEX codes of
        # La Réunion (97864 Saint-Paul) and 98xxx are not departments.
        return department(postcode[:3]) if "971" <= postcode[:3] <= "976" else None
    if postcode.startswith("20"):
        # Corsica: 200xx-201xx are Corse-du-Sud, 202xx-206xx Haute-Corse.
        return "2A" if postcode < "20200" else "2B"
    return department(postcode[:2])


_POSTCODE = re.compile(r"(?<![\d.,])(\d{2})\s?(\d{3})(?![\d.,])")
_DEPT_IN_PARENS = re.compile(r"\((\d{2,3}|2[AB])(?=[\s,)])", re.IGNORECASE)


def postcodes_in(value: Any) -> list[str]:
    """Postcodes written in a free text (``52270``, ``52 270``)."""
    raw = text(value)
    if not raw:
        return []
    found = (m.group(1) + m.group(2) for m in _POSTCODE.finditer(raw))
    return dedupe(cp for cp in found if department_of_postcode(cp))


def departments_in(value: Any) -> list[str]:
    """Departments a free text names: ``Argonay (74)``, ``(59) Nord``, or via postcodes."""
    raw = text(value)
    if not raw:
        return []
    named = (department(m.group(1)) for m in _DEPT_IN_PARENS.finditer(raw))
    from_postcodes = (department_of_postcode(cp) for cp in postcodes_in(raw))
    return dedupe([*named, *from_postcodes])


_NUMBER = re.compile(r"\d[\d\s\u00a0\u202f.,']*")


def amount(value: Any) -> float | None:
    """An amount in euros, from ``841257``, ``"1 000 000,00"``, ``"80 000.00 Euros"``…

    Mis-encoded currency signs around the number are simply ignored (only the digits and
    separators are read). Zero and negative amounts mean "not given" in BOAMP (FNS lots
    carry ``0.00`` when the buyer left the field empty).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        raw = text(value)
        if not raw:
            return None
        match = _NUMBER.search(raw)
        if not match:
            return None
        number = _read_number(match.group(0))
        if number is None:
            return None
    if not math.isfinite(number) or number <= 0:
        return None
    return number


def _read_number(token: str) -> float | None:
    token = re.sub(r"[\s\u00a0\u202f']", "", token).rstrip(".,")
    if "," in token and "." in token:
        # The last separator is the decimal one: "1.000.000,50" or "1,000,000.50".
        decimal = "," if token.rfind(",") > token.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        token = token.replace(thousands, "").replace(decimal, ".")
    elif "," in token:
        token = token.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", token) else (
            token.replace(",", ".")
        )
    elif token.count(".") > 1:
        if not re.fullmatch(r"\d{1,3}(\.\d{3})+", token):
            return None
        token = token.replace(".", "")
    try:
        return float(token)
    except ValueError:
        return None


_DATE_TIME = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def _split(value: Any) -> tuple[date, time | None, str | None] | None:
    raw = text(value)
    if not raw:
        return None
    match = _DATE_TIME.match(raw)
    if not match:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        day_value = date(int(year), int(month), int(day))
        at = (
            time(int(hour), int(minute), int(second or 0)) if hour is not None else None
        )
    except ValueError:
        return None
    return day_value, at, offset


def parse_date(value: Any) -> date | None:
    """A date from ``2024-07-02``, ``2006-07-4`` (v110 drops zeros), ``2025-12-08+01:00``."""
    parts = _split(value)
    return parts[0] if parts else None


# A deadline given as a day only is open until the end of that day as far as we know.
END_OF_DAY = time(23, 59)


def parse_deadline(value: Any, *, time_value: Any = None) -> datetime | None:
    """An aware deadline from what a notice writes.

    BOAMP deadlines are French wall-clock times ("avant le 17 avril 2015 à 12h00"). The
    legacy schemas label them ``+01:00`` all year round (15-31232 says 12h00 in April, when
    Paris is at +02:00) and 3.2.5 often writes no offset at all. So a time without offset,
    or with a metropolitan offset (+01:00/+02:00), is read as Paris wall-clock time; other
    offsets (``Z``, overseas) are kept as written. ``time_value`` is eForms' separate
    ``EndTime``.
    """
    parts = _split(value)
    if not parts:
        return None
    day_value, at, offset = parts
    if time_value is not None and at is None:
        time_parts = _split(f"2000-01-01T{text(time_value) or ''}")
        if time_parts:
            _, at, offset = time_parts
    if at is None:
        return datetime.combine(day_value, END_OF_DAY, PARIS)
    wall = datetime.combine(day_value, at)
    if offset is None or offset.replace(":", "") in ("+0100", "+0200"):
        return wall.replace(tzinfo=PARIS)
    return datetime.fromisoformat(f"{wall.isoformat()}{_iso_offset(offset)}")


def _iso_offset(offset: str) -> str:
    if offset == "Z":
        return "+00:00"
    return offset if ":" in offset else f"{offset[:3]}:{offset[3:]}"


def deadline_from_api(value: Any, *, legacy_schema: bool) -> datetime | None:
    """The deadline from the API's own ``datelimitereponse`` field, when the notice gives
    none of its own.

    The API labels every value UTC, but it only converted the notices that carried an
    offset (legacy schemas: ``12:00+01:00`` became ``11:00+00:00``); for 3.2.5 and eForms
    notices it kept the wall-clock time (``12:00`` became ``12:00+00:00``, see 24-76932).
    So: legacy → back to the +01:00 wall clock, then Paris; otherwise → Paris wall clock.
    Title-only records do not say their schema: they are read as wall clock, which is right
    for current notices and at most two hours early for pre-2024 ones (the safe side).
    """
    parts = _split(value)
    if not parts:
        return None
    day_value, at, _ = parts
    if at is None:
        return datetime.combine(day_value, END_OF_DAY, PARIS)
    wall = datetime.combine(day_value, at)
    if legacy_schema:
        wall = wall + timedelta(hours=1)
    return wall.replace(tzinfo=PARIS)


def siret(value: Any) -> str | None:
    """A valid SIRET (14 digits, Luhn checksum; La Poste's exception included), or None."""
    raw = text(value)
    if not raw:
        return None
    digits = re.sub(r"[\s.\u00a0-]", "", raw)
    if len(digits) == 14 and digits.isdigit() and siret_number.is_valid(digits):
        return digits
    return None


def utc_now() -> datetime:
    return datetime.now(UTC)
