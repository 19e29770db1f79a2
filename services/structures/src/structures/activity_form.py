"""What staff send about an activity, turned into a valid ``Activity``.

The area arrives as staff typed it (a radius, or codes of communes, departments or
regions); it is checked here, with messages that name the field, before the contract
(whose own bounds would answer in English) is built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from chantiers_common.events.common_types import ServiceType
from chantiers_common.events.structures import Activity, Area, AreaKind, Structure

from .lifecycle import with_structure
from .suggest import activity_id
from .validation import FieldError, ValidationFailed, check_area, check_sector

EDITABLE = ("service_types", "area", "capacity_notes")


def area_of(kind: AreaKind, radius_km: float | None = None,
            codes: Sequence[str] = (), field: str = "area") -> Area:
    """The area checked and normalised (its covered departments filled)."""
    if kind is not AreaKind.RADIUS and radius_km is not None:
        raise ValidationFailed([FieldError(f"{field}.radius_km", "area.radius_unexpected",
                                           f"un rayon n'a de sens que pour une zone de type "
                                           f"« radius » (zone reçue : « {kind.value} »)")])
    if kind in (AreaKind.RADIUS, AreaKind.FRANCE) and codes:
        raise ValidationFailed([FieldError(f"{field}.codes", "area.codes_unexpected",
                                           f"une zone de type « {kind.value} » ne prend pas "
                                           "de codes")])
    # Not validated yet: a wrong radius must get the domain's French message, not the
    # contract's bounds error. ``check_area`` checks it; the result is validated below.
    raw = Area.model_construct(kind=kind, radius_km=radius_km, codes=list(codes),
                               departments=[])
    checked = check_area(raw, field)
    return Area.model_validate(checked.model_dump())


def new_activity(structure: Structure, sector: str, service_types: Sequence[ServiceType],
                 area: Area, capacity_notes: str | None = None) -> Activity:
    sector = check_sector(sector, "sector")
    return _activity(
        id=activity_id(structure.siret, sector), structure_siret=structure.siret,
        sector=sector, service_types=_service_types(service_types), area=area,
        status="confirmed", confidence=None, capacity_notes=_notes(capacity_notes),
        structure=structure)


def changed_activity(current: Activity, changes: Mapping[str, Any],
                     structure: Structure) -> Activity:
    """``current`` with ``changes``: service types, area (already checked with
    :func:`area_of`) or capacity notes. The sector is the activity's identity."""
    read_only = sorted(set(changes) - set(EDITABLE))
    if read_only:
        raise ValidationFailed(
            FieldError(name, "field.read_only",
                       "le secteur identifie l'activité : retirez-la et déclarez-en une autre"
                       if name == "sector" else "champ non modifiable")
            for name in read_only)
    values = current.model_dump()
    if "service_types" in changes:
        values["service_types"] = _service_types(changes["service_types"])
    if "area" in changes:
        if changes["area"] is None:
            raise ValidationFailed([FieldError("area", "area.missing", "une zone est obligatoire")])
        values["area"] = changes["area"]
    if "capacity_notes" in changes:
        values["capacity_notes"] = _notes(changes["capacity_notes"])
    return _activity(**values, structure=structure)


def _service_types(values: Sequence[ServiceType] | None) -> list[ServiceType]:
    if not values:
        raise ValidationFailed([FieldError("service_types", "service_types.missing",
                                           "au moins un type de prestation est attendu "
                                           "(service, staff_provision, goods)")])
    return list(dict.fromkeys(ServiceType(value) for value in values))


def _notes(value: str | None) -> str | None:
    return (value.strip() or None) if value else None


def _activity(*, structure: Structure, **values: Any) -> Activity:
    try:
        activity = Activity(**values)
    except ValidationError as exc:
        raise ValidationFailed(
            FieldError(".".join(str(p) for p in e["loc"]), "activity.invalid", e["msg"])
            for e in exc.errors()) from None
    return with_structure(activity, structure)
