"""Request and response bodies of the API (what the OpenAPI document shows).

Requests forbid unknown fields (a typo is an error, not a silently ignored key). Fields
that the domain checks (SIRET, department, sector, area, email) are plain text here, so
that the domain answers with its French message naming the field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chantiers_common.events.common_types import AlertMode, GeoPoint, LeadKind, ServiceType
from chantiers_common.events.structures import Activity, AreaKind, Contact, Structure
from chantiers_common.http_problems import has_nul


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if has_nul(value):
            raise ValueError("caractère NUL (U+0000) interdit")
        return value


# --- Structures ----------------------------------------------------------------------------

class StructureFields(Request):
    brand: str | None = Field(None, max_length=300, description="Enseigne")
    address: str | None = Field(None, max_length=500)
    post_code: str | None = Field(None, description="5 chiffres")
    city: str | None = Field(None, max_length=200)
    commune_insee: str | None = Field(None, description="Code INSEE ; déduit du code postal "
                                      "et de la ville s'il n'est pas donné")
    department: str | None = Field(None, description="Code INSEE du département ; déduit de "
                                   "la commune s'il n'est pas donné")
    location: GeoPoint | None = Field(None, description="WGS84 ; centre de la commune s'il "
                                      "n'est pas donné")
    naf: str | None = Field(None, description="Code NAF rév. 2, par exemple 81.30Z")
    insertion_headcount: int | None = Field(None, ge=0, description="Salariés en insertion")
    permanent_headcount: int | None = Field(None, ge=0, description="Salariés permanents")
    commercial_revenue_eur: float | None = Field(
        None, ge=0, description="Chiffre d'affaires déclaré des activités commercialisées")
    commercial_costs_eur: float | None = Field(
        None, ge=0, description="Coûts déclarés des activités commercialisées")
    cap_rate: float | None = Field(
        None, description="Plafond des recettes commerciales : 0,30 (par défaut), jusqu'à "
                          "0,50 par dérogation")


class StructureIn(StructureFields):
    siret: str = Field(description="14 chiffres, clé de Luhn (exception de La Poste)")
    kind: str = Field(description="ACI, AI, EI, ETTI, EITI, GEIQ, EA, EATT")
    name: str = Field(min_length=1, max_length=300, description="Raison sociale")


class StructurePatch(StructureFields):
    """Only the fields sent change; ``null`` clears an optional field."""

    kind: str | None = None
    name: str | None = Field(None, min_length=1, max_length=300)


class StructureOut(Structure):
    description: str | None = Field(None, description="Présentation (registre des SIAE)")


class StructureItem(StructureOut):
    distance_km: float | None = Field(None, description="Distance au point « near »")


class StructurePage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[StructureItem]


# --- Activities ----------------------------------------------------------------------------

class AreaIn(Request):
    kind: AreaKind
    radius_km: float | None = Field(None, description="Pour « radius » : plus de 0, au plus "
                                    "1 000 km autour de la structure")
    codes: list[str] = Field(default_factory=list, description="Codes INSEE des communes, "
                             "départements ou régions")


class ActivityIn(Request):
    sector: str = Field(description="Identifiant (slug) d'un secteur de GET /sectors")
    service_types: list[ServiceType] = Field(default_factory=lambda: [ServiceType.SERVICE])
    area: AreaIn
    capacity_notes: str | None = Field(None, max_length=2000)


class ActivityPatch(Request):
    service_types: list[ServiceType] | None = None
    area: AreaIn | None = None
    capacity_notes: str | None = Field(None, max_length=2000)


class ActivityOut(Activity):
    status: Literal["suggested", "confirmed", "rejected"]  # type: ignore[assignment]
    triggers: list[str] = Field(default_factory=list,
                                description="Mots qui ont fait suggérer l'activité")
    updated_at: datetime


# --- Contacts ------------------------------------------------------------------------------

class ContactFields(Request):
    name: str | None = Field(None, max_length=200)
    role: str | None = Field(None, max_length=200)
    alert_score: int | None = Field(None, ge=0, le=100)
    sectors: list[str] | None = Field(None, description="Vide : tous les secteurs")
    lead_kinds: list[LeadKind] | None = Field(None, description="Vide : toutes les pistes")
    consent_at: datetime | None = Field(None, description="Maintenant s'il n'est pas donné")


class ContactIn(ContactFields):
    email: str
    alert_mode: AlertMode = AlertMode.DAILY
    min_score: int = Field(50, ge=0, le=100)


class ContactPatch(ContactFields):
    email: str | None = None
    alert_mode: AlertMode | None = None
    min_score: int | None = Field(None, ge=0, le=100)


ContactOut = Contact


# --- Tokens and reference ------------------------------------------------------------------

class TokenIn(Request):
    label: str | None = Field(None, max_length=200, description="Pour qui, pour quoi")


class TokenIssued(BaseModel):
    id: str
    siret: str
    label: str | None
    token: str = Field(description="Montré une seule fois : seule son empreinte est gardée")


class TokenOut(BaseModel):
    id: str
    siret: str
    label: str | None
    created_by: str
    created_at: datetime
    revoked_at: datetime | None


class SectorOut(BaseModel):
    slug: str
    name: str


class SectorGroupOut(BaseModel):
    slug: str
    name: str
    sectors: list[SectorOut]
