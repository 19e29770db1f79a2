"""Templates and French formatting: one Jinja2 environment for the whole process.

The environment is built once (templates are compiled on first use and kept), HTML
templates are autoescaped (lead titles come from buyers and companies, i.e. from outside),
text templates are not. Formatting is French via ``babel``: « mercredi 25 novembre 2026 »,
« 45 000 € », « 3,5 km »; dates are shown in Europe/Paris time.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Literal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from .schedule import PARIS

FR = Locale.parse("fr_FR")
PageKind = Literal["feedback", "unsubscribe"]


@lru_cache(maxsize=4096)
def _date_fr(day: date) -> str:
    # Cached: a run of 10,000 digests formats the same few hundred deadlines over and over.
    return format_date(day, format="full", locale=FR)


def date_fr(value: date | datetime | None) -> str:
    """« mercredi 25 novembre 2026 » (the Paris date for a datetime)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(PARIS).date() if value.tzinfo else value.date()
    return _date_fr(value)


def time_fr(value: datetime) -> str:
    """« 12 h », « 16 h 30 » (French typographic style), Paris time."""
    local = value.astimezone(PARIS) if value.tzinfo else value
    if local.minute:
        return f"{local.hour} h {local.minute:02d}"
    return f"{local.hour} h"


def datetime_fr(value: datetime | None) -> str:
    """« mercredi 25 novembre 2026 à 12 h »."""
    if value is None:
        return ""
    return f"{date_fr(value)} à {time_fr(value)}"


def short_date_fr(value: date | datetime) -> str:
    """« 25/11 » for subjects, where space is short."""
    if isinstance(value, datetime) and value.tzinfo:
        value = value.astimezone(PARIS)
    return f"{value.day:02d}/{value.month:02d}"


def amount_eur(value: float | int | None) -> str:
    """« 45 000 € » (no cents for round amounts, as buyers write them)."""
    if value is None:
        return ""
    # A no-break space before the currency sign, as French typography wants.
    pattern = "#,##0\u00a0¤" if float(value).is_integer() else "#,##0.00\u00a0¤"
    return format_currency(value, "EUR", format=pattern, locale=FR, currency_digits=False)


def km(value: float | None) -> str:
    """« 12 km », « 3,5 km »."""
    if value is None:
        return ""
    return _km(round(value) if value >= 10 else round(value, 1))


@lru_cache(maxsize=4096)
def _km(rounded: float) -> str:
    # Cached: babel's formatting is slow and a few hundred distances cover every digest.
    return f"{format_decimal(rounded, locale=FR)}\u00a0km"


def days_left_fr(deadline: datetime, now: datetime) -> str:
    """« aujourd’hui », « demain », « dans 18 jours », « dépassée » (Paris calendar days)."""
    days = (date_of(deadline) - date_of(now)).days
    if deadline <= now:
        return "dépassée"
    if days <= 0:
        return "aujourd’hui"
    if days == 1:
        return "demain"
    return f"dans {days} jours"


def date_of(value: datetime) -> date:
    return value.astimezone(PARIS).date() if value.tzinfo else value.date()


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return singular if count == 1 else (plural_form or singular + "s")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("notifications", "templates"),
        autoescape=select_autoescape(
            enabled_extensions=("html", "html.j2"), default_for_string=True
        ),
        undefined=StrictUndefined,  # a missing value is a bug, not an empty cell
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        cache_size=64,
    )
    env.filters.update(
        date_fr=date_fr,
        datetime_fr=datetime_fr,
        short_date_fr=short_date_fr,
        amount_eur=amount_eur,
        km=km,
    )
    env.globals.update(plural=plural)
    return env


# Template indentation is for people reading the templates; in a message it is only
# weight (Gmail clips HTML bodies past 102 kB). Whitespace after a line break does not
# change how HTML renders.
_INDENTATION = re.compile(r"\n[ \t]+")


def render(template: str, **ctx: Any) -> str:
    text = environment().get_template(template).render(**ctx)
    if template.endswith(".html.j2"):
        text = _INDENTATION.sub("\n", text)
    return text


def render_page(kind: PageKind, **ctx: Any) -> str:
    """The small HTML page shown after a one-click link.

    ``kind="feedback"``: ``state`` is ``recorded`` (with ``outcome_label``, optional
    ``lead_title``), ``confirm`` (with ``outcome_label``, ``action_url``: a form that
    POSTs, for clients that prefetch links), or a link error kind (``tampered``,
    ``expired``, ``wrong_purpose``).
    ``kind="unsubscribe"``: ``state`` is ``confirm`` (with ``action_url``), ``done``, or
    a link error kind.
    Either kind: ``state="rate_limited"`` (with ``wait_s``, the ``Retry-After``) when
    too many requests came from the same address.
    """
    if kind not in ("feedback", "unsubscribe"):
        raise ValueError(f"unknown page kind {kind!r}")
    ctx.setdefault("lead_title", None)
    ctx.setdefault("outcome_label", None)
    ctx.setdefault("action_url", None)
    ctx.setdefault("email", None)
    ctx.setdefault("wait_s", None)
    return render(f"{kind}_page.html.j2", **ctx)
