"""Events published by the matching service: scored, explained leads."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from .common_types import Department, LeadKind, SectorSlug, Siret, Value
from .envelope import Contract


class ScoreComponent(Value):
    name: str = Field(description="sector, distance, social, deadline, amount, buyer_history…")
    points: float = Field(description="Points this component gave, after its weight")
    max_points: float
    reason: str = Field(description="French sentence a person can check")


class Lead(Value):
    id: str = Field(description="Stable id of the (structure, prospect) pair")
    version: int = Field(ge=1, description="Increases with every change; apply in order")
    kind: LeadKind
    structure_siret: Siret
    prospect_ref: str = Field(description="Tender idweb, or company SIRET")
    title: str
    counterpart: str = Field(description="Buyer (tender) or company name")
    counterpart_siret: Siret | None = None
    sector: SectorSlug | None = None
    sectors: list[SectorSlug] = Field(default_factory=list)
    departments: list[Department] = Field(default_factory=list)
    place: str | None = None
    distance_km: float | None = None
    deadline: datetime | None = None
    url: str | None = None
    score: int = Field(ge=0, le=100)
    components: list[ScoreComponent] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    scored_at: datetime


class LeadScored(Contract):
    event_type: ClassVar[str] = "lead.scored"
    producer: ClassVar[str] = "matching"
    lead: Lead


class LeadUpdated(Contract):
    event_type: ClassVar[str] = "lead.updated"
    producer: ClassVar[str] = "matching"
    lead: Lead


class LeadWithdrawn(Contract):
    event_type: ClassVar[str] = "lead.withdrawn"
    producer: ClassVar[str] = "matching"
    lead: Lead
    reason: str
