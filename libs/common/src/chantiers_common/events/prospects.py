"""Events published by the prospects service: tenders (BOAMP) and companies (SIRENE)."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from pydantic import Field

from .common_types import Department, GeoPoint, Siren, Siret, Value
from .envelope import Contract


class Buyer(Value):
    name: str
    siret: Siret | None = None
    kind: str | None = Field(None, description="Kind of buyer (commune, social landlord…)")


class Winner(Value):
    name: str
    siret: Siret | None = None
    lot: str | None = None
    amount_eur: float | None = None


class Lot(Value):
    number: str | None = None
    title: str | None = None
    cpv: list[str] = Field(default_factory=list)
    amount_eur: float | None = None


class Tender(Value):
    """A public notice as matching needs it, whatever BOAMP schema it came in."""

    idweb: str
    nature: str = Field(description="BOAMP nature: APPEL_OFFRE, RECTIFICATIF, ANNULATION…")
    title: str
    description: str | None = None
    buyer: Buyer
    departments: list[Department] = Field(default_factory=list)
    commune_insee: str | None = None
    nuts: list[str] = Field(default_factory=list)
    location: GeoPoint | None = None
    cpv_main: str | None = None
    cpv_additional: list[str] = Field(default_factory=list)
    descriptors: list[str] = Field(default_factory=list, description="BOAMP descriptor labels")
    descriptor_codes: list[str] = Field(default_factory=list)
    lots: list[Lot] = Field(default_factory=list)
    amount_eur: float | None = None
    published_on: date | None = None
    deadline: datetime | None = None
    procedure: str | None = None
    family: str | None = None
    market_types: list[str] = Field(default_factory=list)
    criteria: list[str] = Field(default_factory=list)
    social_criteria: bool = False
    reserved_siae: bool = False
    reserved_disabled: bool = False
    insertion_market: bool = False
    winners: list[Winner] = Field(default_factory=list)
    url: str | None = None
    source_schema: str | None = None
    # Added for BOAMP corrections, cancellations and awards, which have their own idweb:
    # the notices they refer to, so that a consumer can find the tender they change.
    related_idweb: list[str] = Field(
        default_factory=list, description="idweb of the notices this one corrects/cancels/awards"
    )
    nature_inferred: bool = Field(
        False, description="The record gave no nature; taken for a call for tenders"
    )
    place: str | None = Field(None, description="Place of execution as the notice writes it")

    @property
    def cpv_codes(self) -> list[str]:
        return ([self.cpv_main] if self.cpv_main else []) + list(self.cpv_additional)


class TenderPublished(Contract):
    event_type: ClassVar[str] = "tender.published"
    producer: ClassVar[str] = "prospects"
    tender: Tender


class TenderUpdated(Contract):
    event_type: ClassVar[str] = "tender.updated"
    producer: ClassVar[str] = "prospects"
    tender: Tender


class TenderCancelled(Contract):
    event_type: ClassVar[str] = "tender.cancelled"
    producer: ClassVar[str] = "prospects"
    tender: Tender


class TenderAwarded(Contract):
    event_type: ClassVar[str] = "tender.awarded"
    producer: ClassVar[str] = "prospects"
    tender: Tender


class Company(Value):
    """An establishment (SIRENE StockEtablissement row, enriched)."""

    siret: Siret
    siren: Siren
    name: str | None = None
    enseigne: str | None = None
    naf: str | None = Field(None, description="NAF rev2, e.g. 81.30Z")
    naf2025: str | None = None
    headcount_band: str | None = None
    created_on: date | None = None
    address: str | None = None
    commune_insee: str | None = None
    post_code: str | None = None
    department: Department | None = None
    location: GeoPoint | None = None
    location_source: str | None = Field(
        None, description="lambert (converted from the row), wgs84 (given), commune, or None"
    )
    active: bool = True
    category: str | None = Field(None, description="PME, ETI, GE (StockUniteLegale)")
    ess: bool | None = None
    mission: bool | None = Field(None, description="Société à mission")


class CompanyRegistered(Contract):
    event_type: ClassVar[str] = "company.registered"
    producer: ClassVar[str] = "prospects"
    company: Company


class CompanyUpdated(Contract):
    event_type: ClassVar[str] = "company.updated"
    producer: ClassVar[str] = "prospects"
    company: Company


class CompanyClosed(Contract):
    event_type: ClassVar[str] = "company.closed"
    producer: ClassVar[str] = "prospects"
    company: Company


class CompaniesBulkLoaded(Contract):
    """One batch of a large SIRENE load.

    Services share no database, so the batch carries its companies (about 330 kB per
    1,000) rather than a pointer into prospects' tables.
    """

    event_type: ClassVar[str] = "companies.bulk_loaded"
    producer: ClassVar[str] = "prospects"
    batch_id: str
    source: str
    count: int = Field(ge=0)
    companies: list[Company] = Field(default_factory=list)
