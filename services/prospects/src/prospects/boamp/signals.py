"""The signals matching scores on most: social clauses, markets reserved to SIAE or to
disabled-worker companies, and insertion markets.

BOAMP says them in two ways: structured (the API's ``criteres`` facet, eForms codes, a
"reserved" flag in the notice) and in the buyer's own words. Structured values are taken
as they are; free texts are matched against phrases that only mean one thing, so that
"certificats fiscaux et sociaux" or "le pouvoir adjudicateur se réserve le droit" do not
count. A reserved market whose texts never say for whom is ambiguous: see
:func:`reservation_beneficiaries`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

# Characters NFD does not turn into ASCII but which matter to the patterns.
_BEFORE_FOLD = (("’", "'"), ("œ", "oe"), ("Œ", "oe"), ("\u00a0", " "), ("\u202f", " "))


def fold(value: str) -> str:
    """Lower-case ASCII text, so that the patterns need no accents. Every step runs in C:
    notices carry up to tens of kilobytes of text and thousands are parsed a second."""
    for old, new in _BEFORE_FOLD:
        if old in value:
            value = value.replace(old, new)
    if not value.isascii():
        value = unicodedata.normalize("NFD", value).encode("ascii", "ignore").decode("ascii")
    return value.lower()


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


SOCIAL = _any(
    r"clauses? (?:sociales?|d'insertion|de promotion de l'emploi)",
    r"heures? d'insertion",
    r"actions? d'insertion",
    r"(?:conditions?|clauses?) (?:particulieres? )?d'execution "
    r"(?:a caractere |de nature |d'ordre )?sociale?s?\b",
    r"criteres? (?:d'attribution )?(?:sociaux|social|d'insertion)",
    r"considerations? (?:d'ordre )?sociales?",
    r"performances? en matiere d'insertion",
    r"(?:personnes?|publics?) (?:eloigne(?:e|s|es)?|en difficulte) (?:de|d'acces a) l'emploi",
    r"article 14 du (?:code des marches publics|cmp)",
)

# "Reserved to …" phrased about insertion structures (art. L. 2113-13 of the Code de la
# commande publique; art. 36-II of the 2015 ordinance before it).
RESERVED_SIAE = _any(
    r"reservee?s? (?:a des |aux |a )?(?:structures?|operateurs? economiques?|entreprises?)"
    r"(?: [a-z' ]{0,30})? d'insertion",
    r"reservee?s? (?:a des |aux )?siae\b",
    r"reservee?s? .{0,60}insertion par l'activite economique",
    r"l\.? ?2113-13\b",
    r"article 36[- ]?ii\b",
)

# "Reserved to …" phrased about disabled workers (art. L. 2113-12; art. 15 of the 2006
# code, art. 36-I of the 2015 ordinance).
RESERVED_DISABLED = _any(
    r"reservee?s? (?:a des |aux |a )?(?:entreprises adaptees|etablissements et services d'aide"
    r" par le travail|esat\b|ateliers? proteges?|travailleurs handicapes)",
    r"l\.? ?2113-12\b",
    r"article 15 du (?:code des marches publics|cmp)",
    r"article 36[- ]?i\b",
)

# Words that, inside a text already known to describe a reservation, name the beneficiary.
BENEFICIARY_SIAE = _any(
    r"insertion", r"\bsiae\b", r"entreprises? d'insertion", r"ateliers? et chantiers",
    r"l\.? ?5132-4", r"l\.? ?2113-13",
)
BENEFICIARY_DISABLED = _any(
    r"handicap", r"\besat\b", r"entreprises? adaptees?", r"ateliers? proteges?", r"\bea\b",
    r"l\.? ?2113-12", r"l\.? ?5213-13", r"l\.? ?344-2",
)

# Markets whose very object is insertion and professional qualification (social services
# under art. R. 2123-1 3°). "Article 30" of the 2006 code alone is not a sign: it covered
# every non-priority service (15-140320 buys translations under it).
INSERTION_MARKET = _any(
    r"marches? (?:publics? )?d'insertion",
    r"insertion et (?:de )?qualification professionnelle",
    r"qualification et (?:d')?insertion professionnelle",
    r"prestations? d'(?:accompagnement (?:a l'|vers l'|socio-?professionnel)|insertion)",
    r"insertion.{0,80}r\.? ?2123-1\b|r\.? ?2123-1\b.{0,80}insertion",
)

# Before 1 April 2016 (ordinance 2015-899) a French "marché réservé" could only be
# reserved to sheltered workshops (art. 15 of the 2006 code), never to SIAE.
SIAE_RESERVATION_SINCE = date(2016, 4, 1)


@dataclass(frozen=True, slots=True)
class Signals:
    social: bool
    reserved_siae: bool
    reserved_disabled: bool
    insertion_market: bool


def read_signals(
    texts: Iterable[str],
    *,
    criteria: Iterable[str] = (),
    structured_social: bool = False,
    reserved: bool = False,
    reserved_siae: bool = False,
    reserved_disabled: bool = False,
    reservation_texts: Iterable[str] = (),
    published_on: date | None = None,
) -> Signals:
    """Combine structured values with what the notice's texts say."""
    body = fold("\n".join(texts))
    # Cheap substring gates first: most notices mention none of these words, and the
    # patterns then need not scan their whole text.
    reserving = "reserv" in body
    legal = "2113-1" in body or "article 36" in body or "article 15 " in body
    social = (
        structured_social
        or any("sociaux" in fold(c) or "social" in fold(c) for c in criteria)
        or (_has(body, "soci", "insertion", "eloign", "difficulte", "article 14")
            and bool(SOCIAL.search(body)))
    )
    siae = reserved_siae or (
        (legal or (reserving and _has(body, "insertion", "siae")))
        and bool(RESERVED_SIAE.search(body))
    )
    disabled = reserved_disabled or (
        (legal or (reserving and _has(body, "adapt", "esat", "protege", "handicap", "travail")))
        and bool(RESERVED_DISABLED.search(body))
    )
    if reserved and not (siae or disabled):
        siae, disabled = reservation_beneficiaries(
            fold("\n".join(reservation_texts)), published_on=published_on
        )
    return Signals(
        social=social,
        reserved_siae=siae,
        reserved_disabled=disabled,
        insertion_market="insertion" in body and bool(INSERTION_MARKET.search(body)),
    )


def _has(body: str, *words: str) -> bool:
    return any(word in body for word in words)


def reservation_beneficiaries(text: str, *, published_on: date | None) -> tuple[bool, bool]:
    """To whom a market flagged "reserved" is reserved, from the text that goes with the
    flag. When the text names no one: before April 2016 it can only be sheltered
    workshops; after, French law allows both reservations (and eForms' ``res-ws`` code
    covers both), so both are reported rather than dropping an SIAE lead."""
    siae = bool(BENEFICIARY_SIAE.search(text))
    disabled = bool(BENEFICIARY_DISABLED.search(text))
    if siae or disabled:
        return siae, disabled
    if published_on is not None and published_on < SIAE_RESERVATION_SINCE:
        return False, True
    return True, True
