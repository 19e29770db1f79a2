"""A small world for the unit tests: a catalog in memory, structures and activities
placed on the map, and tenders and companies around them. No broker, no database."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from chantiers_common.events.common_types import GeoPoint
from chantiers_common.events.prospects import Buyer, Tender
from chantiers_common.events.structures import Activity, Area, AreaKind, Structure
from matching.catalog import ActivityEntry, StructureInfo
from matching.classification import SectorMatch
from matching.company_facts import CompanyFacts
from matching.context import MatchContext

GREEN = "creation-et-entretien-des-espaces-verts"
CLEANING = "nettoyage-de-locaux-16"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LYON = (45.764, 4.8357)
VILLEURBANNE = (45.7719, 4.8902)  # about 4.5 km from Lyon
PARIS = (48.8566, 2.3522)


def green(confidence: float = 0.95) -> SectorMatch:
    return SectorMatch(GREEN, confidence, ("mot-clé « espaces verts »",))


class World:
    def __init__(self) -> None:
        self.ctx = MatchContext.empty()
        self._n = itertools.count(1)

    def structure(
        self, where: tuple[float, float] = LYON, department: str = "69", **fields: Any
    ) -> Structure:
        n = next(self._n)
        siret = fields.pop("siret", f"{n:014d}")
        structure = Structure(
            siret=siret,
            siren=siret[:9],
            kind=fields.pop("kind", "ACI"),
            name=f"Atelier {n}",
            department=department,
            location=GeoPoint(lat=where[0], lon=where[1]),
            **fields,
        )
        self.ctx.catalog.put_structure(
            StructureInfo.from_structure(structure, fields.get("active", True))
        )
        return structure

    def activity(
        self, structure: Structure, sector: str = GREEN, *, area: Area | None = None, **fields: Any
    ) -> ActivityEntry:
        activity = Activity(
            id=fields.pop("id", f"a{next(self._n)}"),
            structure_siret=structure.siret,
            sector=sector,
            area=area or Area(kind=AreaKind.RADIUS, radius_km=30),
            structure_location=structure.location,
            structure_department=structure.department,
            **fields,
        )
        entry = ActivityEntry.from_activity(activity)
        self.ctx.catalog.put_activity(entry)
        return entry

    def tender(
        self,
        where: tuple[float, float] | None = VILLEURBANNE,
        department: str = "69",
        **fields: Any,
    ) -> Tender:
        return Tender(
            idweb=fields.pop("idweb", f"26-{next(self._n)}"),
            nature=fields.pop("nature", "APPEL_OFFRE"),
            title=fields.pop("title", "Entretien des espaces verts"),
            buyer=fields.pop(
                "buyer", Buyer(name="Commune de Villeurbanne", siret="21690266800013")
            ),
            departments=[department] if where else [],
            location=GeoPoint(lat=where[0], lon=where[1]) if where else None,
            deadline=fields.pop("deadline", NOW + timedelta(days=20)),
            published_on=fields.pop("published_on", NOW.date()),
            **fields,
        )

    def company(
        self,
        naf: str = "68.20A",
        where: tuple[float, float] = VILLEURBANNE,
        department: str = "69",
        **fields: Any,
    ) -> CompanyFacts:
        n = next(self._n)
        values = {
            "siret": f"9{n:013d}",
            "siren": f"9{n:08d}",
            "name": f"Société {n}",
            "enseigne": None,
            "naf": naf,
            "headcount_band": None,
            "created_on": None,
            "commune_insee": "69266",
            "post_code": "69100",
            "department": department,
            "lat": where[0],
            "lon": where[1],
            "active": True,
        }
        values.update(fields)
        return CompanyFacts(**values)


@pytest.fixture
def world() -> World:
    return World()


TODAY: date = NOW.date()
