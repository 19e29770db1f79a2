"""Read the SIAE registry export (``siae/lemarche_01_siaes.json``) into ``Structure``s.

The file is a Django fixture: a list of ``{"model", "pk", "fields"}``. Each record becomes
a :class:`SiaeRecord` (the contract, the source key, the contact email, the description
and the suggested activities), or a :class:`RejectedRecord` that says which field is
wrong and why: nothing is dropped silently. Fixable defects (a CEDEX post code, missing
coordinates, a malformed NAF code) do not reject a record; they are listed in its
``warnings``.

The same SIRET may appear twice (one establishment holding two conventions, e.g. an ACI
and an EI, or a record created by hand): the first occurrence wins and the others are
rejected, so that importing the file twice gives the same result (idempotent).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from chantiers_common.events.common_types import GeoPoint
from chantiers_common.events.structures import Activity, Structure
from chantiers_common.geo import haversine_km

from .headroom import with_headroom
from .reference import (
    CommuneIndex,
    Territories,
    load_communes,
    load_territories,
)
from .suggest import Suggestion, normalise_naf, suggest_activities, suggested_activity
from .validation import FieldError, check_department, check_email, check_siret

log = logging.getLogger(__name__)

SIAE_FILE = "siae/lemarche_01_siaes.json"
KNOWN_KINDS = frozenset({"ACI", "AI", "EI", "ETTI", "EITI", "GEIQ", "EA", "EATT"})

# "SRID=4326;POINT (lon lat)", numbers possibly written "2.4e-05".
_POINT = re.compile(r"^SRID=(\d+);POINT\s*\(\s*(\S+)\s+(\S+)\s*\)$")
_POST_CODE = re.compile(r"^\d{5}$")
# Communes of Guyane span 100 km; further than that, the point or the address is wrong.
FAR_FROM_COMMUNE_KM = 100.0


@dataclass(frozen=True)
class SiaeRecord:
    pk: int  # key of the record in the source file
    structure: Structure
    contact_email: str | None  # the structure's address (fake in the sample file)
    description: str | None
    suggestions: tuple[Suggestion, ...]
    # The legal unit's SIRENE headcount band ("20 à 49 salariés"), as the source says it.
    # Not a count of insertion or permanent staff (a commune running an ACI has
    # "1 000 à 1 999 salariés"), so it is kept aside rather than put in the contract.
    employees_band: str | None = None
    website: str | None = None
    warnings: tuple[str, ...] = ()

    def suggested_activities(self) -> list[Activity]:
        return [suggested_activity(self.structure, s) for s in self.suggestions]


@dataclass(frozen=True)
class RejectedRecord:
    pk: int | None
    siret: str | None
    name: str | None
    field: str
    code: str
    reason: str  # French, names the field and says why

    def __str__(self) -> str:
        return f"pk {self.pk} ({self.name}) : {self.field} : {self.reason}"


@dataclass
class SiaeFile:
    records: list[SiaeRecord] = field(default_factory=list)
    rejected: list[RejectedRecord] = field(default_factory=list)


def fingerprint(structure: Structure) -> str:
    """sha256 of the structure's canonical JSON: equal iff the content is equal, so an
    import can skip what did not change and publish ``structure.updated`` only on change."""
    canonical = json.dumps(structure.model_dump(mode="json"), sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def read_siae_file(path: Path) -> SiaeFile:
    """All records and all rejections of the file."""
    result = SiaeFile()
    result.records.extend(parse_siae_file(path, on_reject=result.rejected.append))
    return result


def parse_siae_file(path: Path, on_reject: Callable[[RejectedRecord], None] | None = None,
                    *, territories: Territories | None = None,
                    communes: CommuneIndex | None = None) -> Iterator[SiaeRecord]:
    """Yield the records that make a valid structure; hand the others to ``on_reject``
    (logged as warnings when no callback is given)."""
    territories = territories or load_territories()
    communes = communes or load_communes()
    report = on_reject or _log_rejection
    with Path(path).open(encoding="utf-8") as handle:
        rows = json.load(handle, object_pairs_hook=_Fields)
    first_seen: dict[str, tuple[int, str]] = {}  # siret → (pk, kind) of its first record
    for row in rows:
        record = _parse_row(row, territories, communes)
        if isinstance(record, RejectedRecord):
            report(record)
            continue
        siret = record.structure.siret
        if siret in first_seen:
            pk, kind = first_seen[siret]
            report(RejectedRecord(
                pk=record.pk, siret=siret, name=record.structure.name, field="siret",
                code="siret.duplicate",
                reason=f"SIRET déjà présent dans le fichier (pk {pk}, {kind}) : "
                       "une seule structure par SIRET, la première est gardée"))
            continue
        first_seen[siret] = (record.pk, record.structure.kind)
        yield record


def _log_rejection(rejected: RejectedRecord) -> None:
    log.warning("SIAE record rejected: %s", rejected)


# No field of a registry record is longer than a description of a few paragraphs.
MAX_FIELD_CHARS = 10_000


class _Fields(dict[str, Any]):
    """A JSON object that remembers the keys it was given twice (json's
    ``object_pairs_hook``): such a record is ambiguous and is rejected, not guessed."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__()
        self.duplicates: set[str] = set()
        for key, value in pairs:
            if key in self:
                self.duplicates.add(key)
            self[key] = value


def _parse_row(row: dict[str, Any], territories: Territories,
               communes: CommuneIndex) -> SiaeRecord | RejectedRecord:
    pk = row.get("pk")
    fields = row.get("fields") or {}
    name = _text(fields.get("name"))
    raw_siret = _text(fields.get("siret"))

    def reject(field_name: str, code: str, reason: str) -> RejectedRecord:
        return RejectedRecord(pk=pk, siret=raw_siret, name=name, field=field_name,
                              code=code, reason=reason)

    twice = sorted(getattr(row, "duplicates", set()) | getattr(fields, "duplicates", set()))
    if twice:
        return reject(twice[0], "record.duplicate_key",
                      f"clé en double ({', '.join(twice)}) : enregistrement ambigu")
    for key, value in fields.items():
        if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
            return reject(key, "record.field_too_long",
                          f"champ de {len(value):,} caractères (limite {MAX_FIELD_CHARS:,})"
                          .replace(",", " "))
    if raw_siret is None:
        return reject("siret", "siret.missing", "SIRET absent")
    try:
        siret = check_siret(raw_siret)
    except FieldError as error:
        return reject(error.field, error.code, error.message)
    if name is None:
        return reject("name", "name.missing", "raison sociale absente")
    kind = (_text(fields.get("kind")) or "").upper()
    if not kind:
        return reject("kind", "kind.missing", "type de structure (ACI, EI…) absent")

    warnings: list[str] = []
    if kind not in KNOWN_KINDS:
        warnings.append(f"kind : type de structure inhabituel « {kind} »")

    post_code = _text(fields.get("post_code"))
    if post_code is not None and not _POST_CODE.match(post_code):
        warnings.append(f"post_code : code postal mal formé « {post_code} », ignoré")
        post_code = None
    city = _text(fields.get("city"))
    department = _department(fields.get("department"), territories, warnings)
    commune = communes.find(post_code, city, department)
    if commune is None and (post_code or city):
        warnings.append(f"commune_insee : commune introuvable pour « {post_code} {city} »")
    if department is None and commune is not None:
        department = commune.department if commune.department in territories.departments \
            else None
    region = territories.region_of(department) if department else None

    location = _location(fields.get("coords"), warnings)
    if location is None and commune is not None and commune.lat is not None:
        location = GeoPoint(lat=commune.lat, lon=commune.lon)
        warnings.append("location : coordonnées absentes, centre de la commune utilisé")
    elif location is not None and commune is not None and commune.lat is not None:
        # Kept as given (the point may be right and the address wrong), but said: matching
        # measures distances from this point.
        distance = haversine_km(location.lat, location.lon, commune.lat, commune.lon)
        if distance > FAR_FROM_COMMUNE_KM:
            warnings.append(f"location : à {distance:.0f} km du centre de la commune "
                            f"{commune.name} ({commune.insee}) de l'adresse")

    raw_naf = _text(fields.get("naf"))
    naf = normalise_naf(raw_naf)
    if raw_naf and naf is None:
        warnings.append(f"naf : code NAF mal formé « {raw_naf} », ignoré")

    brand = _text(fields.get("brand"))
    description = _text(fields.get("description"))
    try:
        structure = Structure(
            siret=siret,
            siren=siret[:9],
            kind=kind,
            name=name,
            brand=brand,
            address=_text(fields.get("address")),
            post_code=post_code,
            city=city,
            commune_insee=commune.insee if commune else None,
            department=department,
            region=region.code if region else None,
            location=location,
            naf=naf,
            insertion_headcount=_count(fields.get("employees_insertion_count")),
            permanent_headcount=_count(fields.get("employees_permanent_count")),
            commercial_revenue_eur=_revenue(fields),
            active=True,  # the export lists structures holding a convention
        )
    except ValidationError as exc:  # a field the checks above let through
        first = exc.errors()[0]
        return reject(".".join(str(p) for p in first["loc"]), "structure.invalid", first["msg"])

    return SiaeRecord(
        pk=pk,
        structure=with_headroom(structure),
        contact_email=_contact_email(fields, warnings),
        description=description,
        suggestions=tuple(suggest_activities(name, brand, description, naf)),
        employees_band=_text(fields.get("api_entreprise_employees")),
        website=_text(fields.get("website")),
        warnings=tuple(warnings),
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _department(value: Any, territories: Territories, warnings: list[str]) -> str | None:
    code = _text(value)
    if code is None:
        return None
    try:
        return check_department(code, territories=territories)
    except FieldError as error:
        warnings.append(f"{error.field} : {error.message}")
        return None


def _location(value: Any, warnings: list[str]) -> GeoPoint | None:
    text = _text(value)
    if text is None:
        return None
    match = _POINT.match(text)
    if match is None:
        warnings.append(f"location : coordonnées illisibles « {text} »")
        return None
    srid, lon, lat = match.groups()
    if srid != "4326":  # WGS84 only: any other system needs a projection we do not do here
        warnings.append(f"location : système de coordonnées {srid} non géré (WGS84 attendu)")
        return None
    try:
        return GeoPoint(lat=float(lat), lon=float(lon))
    except ValueError:  # not a number, or out of bounds (pydantic's error is a ValueError)
        warnings.append(f"location : coordonnées hors bornes « {text} »")
        return None


def _count(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        count = int(value)
    except (TypeError, ValueError):
        return None
    return count if count >= 0 else None


def _revenue(fields: dict[str, Any]) -> float | None:
    # `ca` is what the structure declared on the marketplace; `api_entreprise_ca` the
    # turnover of its last tax return: the declared figure wins.
    for key in ("ca", "api_entreprise_ca"):
        value = fields.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return float(value)
    return None


def _contact_email(fields: dict[str, Any], warnings: list[str]) -> str | None:
    for key in ("email", "contact_email"):
        raw = _text(fields.get(key))
        if raw is None:
            continue
        try:
            return check_email(raw, key)
        except FieldError as error:
            warnings.append(f"{error.field} : {error.message}")
    return None
