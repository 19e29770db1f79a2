"""What one schema reader finds in the ``donnees`` of a notice, before it becomes a tender.

Each reader (legacy, v110, 3.2.5, eForms) fills the fields it can find; ``notice.py``
merges them with the API's own summary fields. Everything is optional: a notice that does
not say something leaves it unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chantiers_common.events.prospects import Lot, Winner


@dataclass(slots=True)
class Place:
    """The place of execution as the notice writes it."""

    label: str | None = None
    postcode: str | None = None
    city: str | None = None


@dataclass(slots=True)
class NoticeDetails:
    schema: str
    title: str | None = None
    description: str | None = None
    buyer_name: str | None = None
    buyer_siret: str | None = None
    # Structured kind of buyer when the schema gives one (legacy TYPE_POUVOIR_ADJUDICATEUR,
    # eForms buyer-legal-type); the name decides when it is more precise.
    buyer_kind: str | None = None
    cpv_main: str | None = None
    cpv_additional: list[str] = field(default_factory=list)
    lots: list[Lot] = field(default_factory=list)
    amount_eur: float | None = None
    deadline: datetime | None = None
    places: list[Place] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    nuts: list[str] = field(default_factory=list)
    procedure: str | None = None
    market_types: list[str] = field(default_factory=list)
    criteria: list[str] = field(default_factory=list)
    # Structured signals; the free texts below are scanned too (signals.py).
    social: bool = False
    reserved: bool = False
    reserved_siae: bool = False
    reserved_disabled: bool = False
    # Texts that say to whom a reservation applies, read before the rest of the notice.
    reservation_texts: list[str] = field(default_factory=list)
    winners: list[Winner] = field(default_factory=list)
    related_idweb: list[str] = field(default_factory=list)
