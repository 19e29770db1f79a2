"""Value types shared by several contracts."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Siret = Annotated[str, Field(pattern=r"^\d{14}$", description="14-digit SIRET")]
Siren = Annotated[str, Field(pattern=r"^\d{9}$", description="9-digit SIREN")]
Department = Annotated[
    str, Field(pattern=r"^(\d{2}|2A|2B|\d{3})$", description="INSEE department code")
]
SectorSlug = Annotated[str, Field(min_length=1, max_length=120)]


class Value(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class GeoPoint(Value):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class LeadKind(StrEnum):
    TENDER = "tender"
    AWARD = "award"
    COMPANY = "company"


class AlertMode(StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"


class ServiceType(StrEnum):
    SERVICE = "service"  # prestation de services
    STAFF_PROVISION = "staff_provision"  # mise à disposition de personnel
    GOODS = "goods"  # fabrication et commercialisation de biens


class Outcome(StrEnum):
    INTERESTED = "interested"
    NOT_INTERESTED = "not_interested"
    CONTACTED = "contacted"
    WON = "won"
    LOST = "lost"
