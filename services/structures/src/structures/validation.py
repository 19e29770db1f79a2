"""Domain checks on what people and files send us, with messages that name the field.

Each ``check_*`` returns the value in its canonical form or raises :class:`FieldError`
whose ``message`` (French, for people) says which field is wrong and why, and whose
``code`` (stable, English) lets a program react. The HTTP layer turns them into a 4xx
with :meth:`ValidationFailed.to_dict`. Checks that need reference data take it as an
argument (tests pass their own) and default to the files of the data folder.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from email_validator import EmailNotValidError, validate_email

from chantiers_common.events.structures import Activity, Area, AreaKind, Contact, Structure

from .headroom import DEROGATION_CAP_RATE
from .reference import (
    CommuneIndex,
    SectorTaxonomy,
    Territories,
    department_of_insee,
    load_communes,
    load_taxonomy,
    load_territories,
    normalise_department_code,
)
from .siret import InvalidSiret, validate_siret

MAX_RADIUS_KM = 1000.0


class FieldError(ValueError):
    """One wrong field: ``field`` is its dotted path ("area.radius_km"), ``code`` a stable
    reason ("siret.checksum", "sector.unknown"), ``message`` the French explanation."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(field, code, message)
        self.field = field
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.field} : {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


class ValidationFailed(ValueError):
    """Several field errors at once: a form is corrected in one go, not one field a try."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(error) for error in self.errors))

    def to_dict(self) -> dict[str, list[dict[str, str]]]:
        return {"detail": [error.to_dict() for error in self.errors]}


def check_siret(value: str, field: str = "siret") -> str:
    try:
        return validate_siret(value)
    except InvalidSiret as exc:
        raise FieldError(field, f"siret.{exc.reason}", exc.message) from None


def check_sector(slug: str, field: str = "sector",
                 taxonomy: SectorTaxonomy | None = None) -> str:
    taxonomy = taxonomy or load_taxonomy()
    if slug in taxonomy:
        return slug
    message = f"secteur inconnu : « {slug} » n'est pas un identifiant de la nomenclature"
    close = taxonomy.close_matches(slug)
    if close:
        message += " (vouliez-vous dire : " + ", ".join(close) + " ?)"
    raise FieldError(field, "sector.unknown", message)


def check_sectors(slugs: Iterable[str], field: str = "sectors",
                  taxonomy: SectorTaxonomy | None = None) -> list[str]:
    return [check_sector(slug, f"{field}[{i}]", taxonomy) for i, slug in enumerate(slugs)]


def check_radius(radius_km: float | None, field: str = "area.radius_km") -> float:
    if radius_km is None:
        raise FieldError(field, "radius.missing",
                         "un rayon en km est obligatoire pour une zone de type rayon")
    if math.isnan(radius_km) or radius_km <= 0:
        raise FieldError(field, "radius.not_positive",
                         f"le rayon doit être strictement positif (reçu : {radius_km:g} km)")
    if radius_km > MAX_RADIUS_KM:
        raise FieldError(field, "radius.too_large",
                         f"le rayon ne peut dépasser {MAX_RADIUS_KM:g} km "
                         f"(reçu : {radius_km:g} km)")
    return float(radius_km)


def check_email(value: str, field: str = "email") -> str:
    """The address in normalised form; its syntax only (no DNS: no network, and a contact
    is not rejected because a mail server is down)."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        # email-validator says precisely what is wrong, in English: keep it after ours.
        raise FieldError(field, "email.malformed",
                         f"adresse e-mail mal formée « {value} » ({exc})") from None


def check_department(code: str, field: str = "department",
                     territories: Territories | None = None) -> str:
    territories = territories or load_territories()
    normalised = normalise_department_code(code)
    if normalised in territories.departments:
        return normalised
    raise FieldError(
        field, "department.unknown",
        f"département inconnu : « {code} » (code INSEE attendu : 01 à 95, 2A, 2B, 971 à 976, "
        "ou 975, 977, 978, 984, 986 à 989 outre-mer)",
    )


def check_region(code: str, field: str = "region",
                 territories: Territories | None = None) -> str:
    territories = territories or load_territories()
    code = code.strip()
    if code in territories.regions:
        return code
    known = ", ".join(sorted(territories.regions))
    raise FieldError(field, "region.unknown",
                     f"région inconnue : « {code} » (codes INSEE attendus : {known})")


def check_commune(code: str, field: str = "commune",
                  communes: CommuneIndex | None = None) -> str:
    communes = communes or load_communes()
    code = code.strip().upper()
    if code in communes:
        return code
    raise FieldError(field, "commune.unknown",
                     f"commune inconnue : « {code} » n'est pas un code INSEE de commune")


def check_area(area: Area, field: str = "area", territories: Territories | None = None,
               communes: CommuneIndex | None = None) -> Area:
    """The area with its codes normalised and ``departments`` filled (the departments it
    covers, so that consumers need no reference table); all errors at once."""
    territories = territories or load_territories()
    errors: list[FieldError] = []
    codes: list[str] = []
    departments: list[str] = []

    if area.kind is AreaKind.RADIUS:
        _collect(errors, check_radius, area.radius_km, f"{field}.radius_km")
    elif area.kind is AreaKind.FRANCE:
        departments = sorted(territories.departments)
    else:
        if not area.codes:
            errors.append(FieldError(f"{field}.codes", "area.codes_missing",
                                     f"une zone de type « {area.kind.value} » doit lister "
                                     "au moins un code"))
        for index, raw in enumerate(area.codes):
            where = f"{field}.codes[{index}]"
            if area.kind is AreaKind.DEPARTMENTS:
                code = _collect(errors, check_department, raw, where, territories)
                covered = [code] if code else []
            elif area.kind is AreaKind.REGIONS:
                code = _collect(errors, check_region, raw, where, territories)
                covered = territories.departments_of_region(code) if code else []
            else:  # communes
                code = _collect(errors, check_commune, raw, where, communes)
                covered = [department_of_insee(code)] if code else []
            if code:
                codes.append(code)
                departments += covered
    if errors:
        raise ValidationFailed(errors)
    return area.model_copy(update={"codes": list(dict.fromkeys(codes)),
                                   "departments": sorted(set(departments))})


def check_activity(activity: Activity, taxonomy: SectorTaxonomy | None = None,
                   territories: Territories | None = None,
                   communes: CommuneIndex | None = None) -> Activity:
    """The activity with its area normalised; every wrong field reported at once."""
    errors: list[FieldError] = []
    area = activity.area
    _collect(errors, check_siret, activity.structure_siret, "structure_siret")
    _collect(errors, check_sector, activity.sector, "sector", taxonomy)
    try:
        area = check_area(activity.area, "area", territories, communes)
    except ValidationFailed as failed:
        errors += failed.errors
    if errors:
        raise ValidationFailed(errors)
    return activity.model_copy(update={"area": area})


def check_contact(contact: Contact, taxonomy: SectorTaxonomy | None = None) -> Contact:
    """The contact with its email normalised; every wrong field reported at once."""
    errors: list[FieldError] = []
    email = _collect(errors, check_email, contact.email, "email")
    _collect(errors, check_siret, contact.structure_siret, "structure_siret")
    for index, slug in enumerate(contact.sectors):
        _collect(errors, check_sector, slug, f"sectors[{index}]", taxonomy)
    if errors:
        raise ValidationFailed(errors)
    return contact.model_copy(update={"email": email})


def check_structure(structure: Structure,
                    territories: Territories | None = None) -> Structure:
    """SIRET checksum, SIREN consistent with it, known department (its region derived),
    cap rate within the law; every wrong field reported at once."""
    territories = territories or load_territories()
    errors: list[FieldError] = []
    siret = _collect(errors, check_siret, structure.siret, "siret")
    if siret and structure.siren != siret[:9]:
        errors.append(FieldError("siren", "siren.mismatch",
                                 f"le SIREN {structure.siren} ne correspond pas au SIRET "
                                 f"{siret} (attendu : {siret[:9]})"))
    department = None
    if structure.department is not None:
        department = _collect(errors, check_department, structure.department, "department",
                              territories)
    if not 0 < structure.cap_rate <= DEROGATION_CAP_RATE:
        errors.append(FieldError("cap_rate", "cap_rate.out_of_bounds",
                                 f"taux de plafond {structure.cap_rate:g} hors bornes "
                                 f"(0,30 en règle générale, au plus 0,50 par dérogation)"))
    if errors:
        raise ValidationFailed(errors)
    region = territories.region_of(department) if department else None
    return structure.model_copy(update={"siret": siret, "department": department,
                                        "region": region.code if region else None})


def _collect(errors: list[FieldError], check: Callable[..., Any], *args: Any) -> Any:
    """Run one check; on failure note its error and go on (all errors are reported)."""
    try:
        return check(*args)
    except FieldError as error:
        errors.append(error)
        return None
