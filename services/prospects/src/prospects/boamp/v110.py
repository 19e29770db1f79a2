"""Reader of the oldest BOAMP layout (``Boamp_v110.xsd``, 2005-2010): sections IDENT,
OBJET, CONDITIONS, DELAI, LOTS with parallel lists, CPV codes written with a trailing dot
("45000000."), dates in French words ("21 juillet 2006", ", à 12 heures")."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from chantiers_common.events.prospects import Lot

from .buyer_kind import kind_from_code
from .details import NoticeDetails, Place
from .values import PARIS, as_list, cpv, dedupe, get, text

MONTHS = {
    "janvier": 1, "fevrier": 2, "février": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "aout": 8, "août": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "decembre": 12, "décembre": 12,
}
_FRENCH_DATE = re.compile(r"(\d{1,2})(?:er)? (\w+) (\d{4})")
_HOUR = re.compile(r"(\d{1,2}) ?(?:h|heures?)(?: ?(\d{2}))?")
PROCEDURES = {"ouvert": "OUVERT", "restreint": "RESTREINT", "marche_negocie": "MARCHE_NEGOCIE",
              "procedure_adaptee": "PROCEDURE_ADAPTE"}


def read(donnees: dict[str, Any]) -> NoticeDetails:
    ident = donnees.get("IDENT") or {}
    subject = donnees.get("OBJET") or {}
    details = NoticeDetails(schema="v110")
    details.buyer_name = _clean(text(ident.get("NOM")))
    details.buyer_kind = next(
        (kind for kind in map(kind_from_code, _keys(donnees.get("INFO"))) if kind), None
    )
    details.title = _clean(text(subject.get("TITRE_MARCHE")))
    details.description = _clean(text(subject.get("OBJET_COMPLET")))
    main = cpv(subject.get("CPV_OBJ"))
    details.cpv_main = main
    procedure = get(donnees, "PROCEDURE", "@type")
    details.procedure = PROCEDURES.get(text(procedure) or "", text(procedure))
    details.deadline = _deadline(donnees.get("DELAI"))

    where = _clean(text(subject.get("LIEU_EXEC")))
    if where:
        details.places.append(Place(label=where))
    nuts = _clean(text(subject.get("CODE_NUTS")))
    if nuts:
        details.nuts.append(nuts)

    lots = donnees.get("LOTS") or {}
    numbers = as_list(lots.get("NUM_LOT"))
    titles = as_list(lots.get("DESC_LOT"))
    codes = as_list(lots.get("NOMENC_LOT"))
    for index in range(max(len(numbers), len(titles), len(codes))):
        code = cpv(codes[index]) if index < len(codes) else None
        details.lots.append(
            Lot(
                number=text(numbers[index]) if index < len(numbers) else None,
                title=text(titles[index]) if index < len(titles) else None,
                cpv=[code] if code else [],
            )
        )
    # The lots' codes are the notice's additional CPV codes (v110 has no other place).
    details.cpv_additional = [c for c in dedupe(codes_of(details.lots)) if c != main]
    if main is None and details.cpv_additional:
        details.cpv_main = details.cpv_additional.pop(0)

    if "MARCHE_RESERVE" in (get(donnees, "CONDITIONS", "PARTICIPATION") or {}):
        details.reserved = True
    return details


def codes_of(lots: list[Lot]) -> list[str]:
    return [code for lot in lots for code in lot.cpv]


def _keys(node: Any) -> list[str]:
    return list(node) if isinstance(node, dict) else []


def _clean(value: str | None) -> str | None:
    """v110 texts end with the punctuation of the printed page: "ville de Chenôve."."""
    if value is None:
        return None
    value = value.strip().rstrip(",;.").strip()
    return value or None


def _deadline(delay: Any) -> datetime | None:
    """``{"RECEPT_OFFRES": "10 août 2006", "AUTRES": ", à 12 heures."}`` → 12:00 Paris."""
    if not isinstance(delay, dict):
        return None
    written = text(delay.get("RECEPT_OFFRES")) or text(delay.get("RECEPT_CANDIDAT"))
    match = _FRENCH_DATE.search(written or "")
    if not match or match.group(2).lower() not in MONTHS:
        return None
    hour_match = _HOUR.search(text(delay.get("AUTRES")) or "")
    at = time(23, 59)
    if hour_match and int(hour_match.group(1)) < 24:
        at = time(int(hour_match.group(1)), int(hour_match.group(2) or 0))
    try:
        return datetime(int(match.group(3)), MONTHS[match.group(2).lower()],
                        int(match.group(1)), at.hour, at.minute, tzinfo=PARIS)
    except ValueError:
        return None
