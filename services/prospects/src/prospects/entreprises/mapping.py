"""One result of ``/search`` (a legal unit and its matching establishments) → companies.

Field names are the API's (see ``data/reference/annuaire_recherche_entreprises_open-api.yml``):
establishment values first, the legal unit's where the establishment has none.
"""

from __future__ import annotations

import logging
import math
import re
from datetime import date
from typing import Any

import numpy as np
from pydantic import ValidationError

from chantiers_common.events.common_types import GeoPoint
from chantiers_common.events.prospects import Company

from ..sirene.territories import department_of, inside, territory_of

log = logging.getLogger(__name__)
_SIRET = re.compile(r"^\d{14}$")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _location(place: dict[str, Any], department: str | None) -> GeoPoint | None:
    """The API's latitude/longitude (strings), kept only inside the department's
    territory, as the SIRENE reader does."""
    try:
        lat, lon = float(place.get("latitude") or "nan"), float(place.get("longitude") or "nan")
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    territory = np.array([territory_of(department)])
    if not inside(np.array([lon]), np.array([lat]), territory)[0]:
        return None
    return GeoPoint(lat=lat, lon=lon)


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _company(result: dict[str, Any], place: dict[str, Any]) -> Company | None:
    siret = _text(place.get("siret"))
    if siret is None or not _SIRET.match(siret):
        return None
    commune = _text(place.get("commune"))
    department = department_of(commune)
    location = _location(place, department)
    signs = place.get("liste_enseignes") or []
    complements = result.get("complements") or {}
    try:
        return Company(
            siret=siret,
            siren=siret[:9],
            name=_text(place.get("nom_commercial")) or _text(result.get("nom_raison_sociale"))
            or _text(result.get("nom_complet")),
            enseigne=_text(signs[0]) if signs else None,
            naf=_text(place.get("activite_principale")),
            naf2025=_text(place.get("activite_principale_naf25")),
            headcount_band=_text(place.get("tranche_effectif_salarie")),
            created_on=_day(place.get("date_creation")),
            address=_text(place.get("adresse")),
            commune_insee=commune,
            post_code=_text(place.get("code_postal")),
            department=department,
            location=location,
            location_source="wgs84" if location else None,
            active=place.get("etat_administratif") == "A",
            category=_text(result.get("categorie_entreprise")),
            ess=_flag(complements.get("est_ess")),
            mission=_flag(complements.get("est_societe_mission")),
        )
    except ValidationError as exc:
        log.warning("établissement %s ignoré : %s", siret, exc.errors()[0]["msg"])
        return None


def companies_of(result: dict[str, Any], department: str | None = None) -> list[Company]:
    """The result's matching establishments (in ``department`` when given) as companies.

    A search filtered by department lists the establishments there in
    ``matching_etablissements``; without it, the head office stands for the company.
    """
    places = result.get("matching_etablissements") or []
    if not places and result.get("siege"):
        places = [result["siege"]]
    found = []
    for place in places:
        company = _company(result, place)
        if company is not None and (department is None or company.department == department):
            found.append(company)
    return found
