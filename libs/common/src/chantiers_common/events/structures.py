"""Events published by the structures service: SIAE, their activities and their contacts."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field

from .common_types import (
    AlertMode,
    Department,
    GeoPoint,
    LeadKind,
    SectorSlug,
    ServiceType,
    Siren,
    Siret,
    Value,
)
from .envelope import Contract


class Structure(Value):
    siret: Siret
    siren: Siren
    kind: str = Field(description="ACI, EI, AI, ETTI, EITI, GEIQ, EA…")
    name: str
    brand: str | None = None
    address: str | None = None
    post_code: str | None = None
    city: str | None = None
    commune_insee: str | None = None
    department: Department | None = None
    region: str | None = None
    location: GeoPoint | None = None
    naf: str | None = None
    insertion_headcount: int | None = None
    permanent_headcount: int | None = None
    commercial_revenue_eur: float | None = None
    commercial_costs_eur: float | None = None
    cap_rate: float = Field(0.30, description="0.30, or 0.50 with a derogation")
    headroom_eur: float | None = Field(
        None, description="cap_rate × costs − revenue, when both are declared"
    )
    active: bool = True


class AreaKind(StrEnum):
    RADIUS = "radius"
    COMMUNES = "communes"
    DEPARTMENTS = "departments"
    REGIONS = "regions"
    FRANCE = "france"


class Area(Value):
    kind: AreaKind
    radius_km: float | None = Field(None, gt=0, le=1000)
    codes: list[str] = Field(default_factory=list, description="Communes, departments or regions")
    departments: list[str] = Field(
        default_factory=list,
        description="Departments the area covers (regions expanded by structures), so that "
        "consumers need no reference table",
    )


class Activity(Value):
    id: str
    structure_siret: Siret
    sector: SectorSlug
    service_types: list[ServiceType] = Field(default_factory=lambda: [ServiceType.SERVICE])
    area: Area
    status: Literal["suggested", "confirmed"] = "confirmed"
    confidence: float | None = Field(None, ge=0, le=1)
    capacity_notes: str | None = None
    # Copied from the structure so that matching can decide eligibility without calling
    # back (events carry what consumers need).
    structure_location: GeoPoint | None = None
    structure_department: Department | None = None
    structure_kind: str | None = None


class StructureRegistered(Contract):
    event_type: ClassVar[str] = "structure.registered"
    producer: ClassVar[str] = "structures"
    structure: Structure


class StructureUpdated(Contract):
    event_type: ClassVar[str] = "structure.updated"
    producer: ClassVar[str] = "structures"
    structure: Structure


class StructureDeactivated(Contract):
    event_type: ClassVar[str] = "structure.deactivated"
    producer: ClassVar[str] = "structures"
    structure: Structure


class ActivityAdded(Contract):
    event_type: ClassVar[str] = "activity.added"
    producer: ClassVar[str] = "structures"
    activity: Activity


class ActivityChanged(Contract):
    event_type: ClassVar[str] = "activity.changed"
    producer: ClassVar[str] = "structures"
    activity: Activity


class ActivityRemoved(Contract):
    event_type: ClassVar[str] = "activity.removed"
    producer: ClassVar[str] = "structures"
    activity: Activity


class Contact(Value):
    id: str
    structure_siret: Siret
    email: str
    name: str | None = None
    role: str | None = None
    alert_mode: AlertMode = AlertMode.DAILY
    min_score: int = Field(50, ge=0, le=100)
    alert_score: int | None = Field(
        None,
        ge=0,
        le=100,
        description="Immediate alert from this score (alert_mode immediate); None: service default",
    )
    sectors: list[SectorSlug] = Field(default_factory=list, description="Empty: all sectors")
    lead_kinds: list[LeadKind] = Field(default_factory=list, description="Empty: all kinds")
    consent_at: datetime | None = None
    unsubscribed_at: datetime | None = None


class ContactSubscribed(Contract):
    """A contact was added or changed its preferences (carries the whole current state)."""

    event_type: ClassVar[str] = "contact.subscribed"
    producer: ClassVar[str] = "structures"
    internal: ClassVar[bool] = True
    contact: Contact


class ContactUnsubscribed(Contract):
    """A contact unsubscribed: from structures (API, staff) or from notifications (the
    one-click link in an email), which structures then records."""

    event_type: ClassVar[str] = "contact.unsubscribed"
    producer: ClassVar[str] = "structures"
    also_produced_by: ClassVar[tuple[str, ...]] = ("notifications",)
    internal: ClassVar[bool] = True
    contact: Contact


class AdminAction(Contract):
    """An action taken with the admin token, for the audit trail: who (the token's id,
    never the token), what, on which structure. No personal data (a contact is named by
    its id), and kept from third parties like the contact events: it describes staff
    work, not the registry."""

    event_type: ClassVar[str] = "admin.action"
    producer: ClassVar[str] = "structures"
    internal: ClassVar[bool] = True
    token_id: str = Field(description="Id of the token used ('admin' for the admin token)")
    action: str = Field(description="e.g. structure.update, activity.confirm, token.issue")
    structure_siret: Siret | None = None
    target_id: str | None = Field(None, description="Activity, contact or token id acted on")
    at: datetime


def token_sha256(token: str) -> str:
    """The digest by which a structure token is known outside the request that issued it:
    the hex sha256 of its UTF-8 text. Structures stores it and publishes it
    (:class:`TokenIssued`); matching looks up a presented token by it. One function, so
    that both sides hash alike."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenIssued(Contract):
    """A structure token was issued: its holder may read and change that structure's
    data, and read its leads (matching learns the token from this event, eventually:
    a token just issued may be refused for a moment by matching).

    Carries the token's sha256, never the token. Structure tokens are 256 random bits, so
    the hash cannot be turned back into a usable token (preimage resistance): a reader of
    this event cannot call the APIs with it. It is internal all the same, like the other
    access and audit events: it names which structures hold which tokens, which is for
    the services of the system only (never sent to webhooks)."""

    event_type: ClassVar[str] = "token.issued"
    producer: ClassVar[str] = "structures"
    internal: ClassVar[bool] = True
    token_id: str = Field(description="Id of the token (not a secret: it names it in logs, "
                                      "the audit trail and the revocation route)")
    siret: Siret = Field(description="The structure the token acts for, and only it")
    token_sha256: str = Field(pattern=r"^[0-9a-f]{64}$",
                              description="Hex sha256 of the UTF-8 token (token_sha256())")
    issued_at: datetime


class TokenRevoked(Contract):
    """A structure token was revoked: from now on it opens nothing, anywhere. Final (a
    revoked token is never reinstated; a new one is issued instead), so consumers may
    apply it before the ``token.issued`` it follows, and keep it when that arrives."""

    event_type: ClassVar[str] = "token.revoked"
    producer: ClassVar[str] = "structures"
    internal: ClassVar[bool] = True
    token_id: str
    siret: Siret
    revoked_at: datetime
