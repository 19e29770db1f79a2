"""What staff send about a structure, turned into a valid ``Structure`` (or every wrong
field at once).

Staff type an address; consumers need the INSEE commune, the department, the region and
coordinates. So, as the file import does, what is not given is derived: the commune from
the post code and city, the department from the commune, the region from the department,
the point from the commune's centre. When an update moves a structure (post code, city,
commune or department change) without new coordinates, the derived fields are derived
again from the new address: the old point would put it where it no longer is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from chantiers_common.events.common_types import GeoPoint
from chantiers_common.events.structures import Structure

from .headroom import DEROGATION_CAP_RATE, with_headroom
from .reference import (
    CommuneIndex,
    Territories,
    department_of_insee,
    load_communes,
    load_territories,
)
from .siae_file import KNOWN_KINDS
from .suggest import normalise_naf
from .validation import (
    FieldError,
    ValidationFailed,
    check_commune,
    check_department,
    check_siret,
    check_structure,
)

# What staff may set; the SIRET (the identity), the SIREN, the region and the headroom
# are derived, and ``active`` changes only through deactivation.
EDITABLE = (
    "kind", "name", "brand", "address", "post_code", "city", "commune_insee", "department",
    "location", "naf", "insertion_headcount", "permanent_headcount",
    "commercial_revenue_eur", "commercial_costs_eur", "cap_rate",
)
# Changing one of these moves the structure.
ADDRESS_FIELDS = frozenset({"address", "post_code", "city", "commune_insee", "department"})
# What activities copy from their structure (see ``lifecycle.with_structure``).
LOCATION_FIELDS = ("location", "department", "kind")
_POST_CODE = re.compile(r"^\d{5}$")
_DERIVED = ("commune_insee", "department", "location")


def new_structure(siret: str, fields: Mapping[str, Any], *,
                  territories: Territories | None = None,
                  communes: CommuneIndex | None = None) -> Structure:
    """A structure registered by staff: ``fields`` are the editable fields sent."""
    errors: list[FieldError] = []
    try:
        siret = check_siret(siret)
    except FieldError as error:
        errors.append(error)
    values = {name: fields.get(name) for name in EDITABLE}
    if values["cap_rate"] is None:
        values.pop("cap_rate")  # the contract's default, 0.30
    return _build(siret, values, derive=set(_DERIVED) - _given(fields), errors=errors,
                  territories=territories, communes=communes)


def changed_structure(current: Structure, changes: Mapping[str, Any], *,
                      territories: Territories | None = None,
                      communes: CommuneIndex | None = None) -> Structure:
    """``current`` with ``changes`` (only the fields sent; None clears a field)."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValidationFailed(FieldError(name, "field.read_only",
                                          "champ non modifiable par cette requête")
                               for name in unknown)
    values = {name: getattr(current, name) for name in EDITABLE}
    values.update(changes)
    derive: set[str] = set()
    if ADDRESS_FIELDS & set(changes):
        derive = set(_DERIVED) - _given(changes)
    return _build(current.siret, values, derive=derive, errors=[], active=current.active,
                  territories=territories, communes=communes)


def moved(before: Structure, after: Structure) -> bool:
    """Whether the activities, which carry their structure's place and kind, change too."""
    return any(getattr(before, name) != getattr(after, name) for name in LOCATION_FIELDS)


def _given(fields: Mapping[str, Any]) -> set[str]:
    return {name for name in _DERIVED if fields.get(name) is not None}


def _build(siret: str, values: dict[str, Any], *, derive: set[str], errors: list[FieldError],
           active: bool = True, territories: Territories | None,
           communes: CommuneIndex | None) -> Structure:
    territories = territories or load_territories()
    communes = communes or load_communes()
    for name in ("name", "kind"):
        if values.get(name) is None or not str(values[name]).strip():
            errors.append(FieldError(name, f"{name}.missing", "champ obligatoire"))
    kind = str(values.get("kind") or "").strip().upper()
    if kind and kind not in KNOWN_KINDS:
        errors.append(FieldError("kind", "kind.unknown",
                                 f"type de structure inconnu « {values['kind']} » (attendu : "
                                 + ", ".join(sorted(KNOWN_KINDS)) + ")"))
    post_code = _strip(values.get("post_code"))
    if post_code is not None and not _POST_CODE.match(post_code):
        errors.append(FieldError("post_code", "post_code.malformed",
                                 f"code postal mal formé « {post_code} » (5 chiffres attendus)"))
        post_code = None
    naf = values.get("naf")
    if naf is not None:
        naf = normalise_naf(str(naf))
        if naf is None:
            errors.append(FieldError("naf", "naf.malformed",
                                     f"code NAF mal formé « {values['naf']} » (attendu : "
                                     "4 chiffres et une lettre, par exemple 81.30Z)"))
    cap_rate = values.get("cap_rate")
    if cap_rate is not None and not 0 < cap_rate <= DEROGATION_CAP_RATE:
        errors.append(FieldError("cap_rate", "cap_rate.out_of_bounds",
                                 f"taux de plafond {cap_rate:g} hors bornes (0,30 en règle "
                                 "générale, au plus 0,50 par dérogation)"))
    department = None if "department" in derive else _strip(values.get("department"))
    if department is not None:
        department = _collect(errors, check_department, department, "department", territories)
    commune_code = None if "commune_insee" in derive else _strip(values.get("commune_insee"))
    commune = None
    if commune_code is not None:
        commune_code = _collect(errors, check_commune, commune_code, "commune_insee", communes)
        commune = communes.get(commune_code) if commune_code else None
    elif "commune_insee" in derive and (post_code or values.get("city")):
        commune = communes.find(post_code, _strip(values.get("city")), department)
        commune_code = commune.insee if commune else None
    if commune_code and department and department_of_insee(commune_code) != department:
        errors.append(FieldError("commune_insee", "commune.other_department",
                                 f"la commune {commune_code} n'est pas dans le département "
                                 f"{department}"))
    if department is None and "department" in derive:
        derived = department_of_insee(commune_code) if commune_code else None
        # An address whose commune cannot be told keeps the department it had.
        department = derived if derived in territories.departments else \
            _strip(values.get("department"))
    location = values.get("location")
    if "location" in derive and commune is not None and commune.lat is not None:
        location = GeoPoint(lat=commune.lat, lon=commune.lon)
    if errors:
        raise ValidationFailed(errors)
    try:
        structure = Structure(
            siret=siret, siren=siret[:9], kind=kind, name=str(values["name"]).strip(),
            brand=_strip(values.get("brand")), address=_strip(values.get("address")),
            post_code=post_code, city=_strip(values.get("city")), commune_insee=commune_code,
            department=department, location=location, naf=naf,
            insertion_headcount=values.get("insertion_headcount"),
            permanent_headcount=values.get("permanent_headcount"),
            commercial_revenue_eur=values.get("commercial_revenue_eur"),
            commercial_costs_eur=values.get("commercial_costs_eur"),
            active=active,
            **({"cap_rate": values["cap_rate"]} if values.get("cap_rate") is not None else {}),
        )
    except ValidationError as exc:  # what the request model let through (it should not)
        raise ValidationFailed(
            FieldError(".".join(str(p) for p in e["loc"]), "structure.invalid", e["msg"])
            for e in exc.errors()) from None
    return with_headroom(check_structure(structure, territories))


def _strip(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _collect(errors: list[FieldError], check: Any, *args: Any) -> Any:
    try:
        return check(*args)
    except FieldError as error:
        errors.append(error)
        return None
