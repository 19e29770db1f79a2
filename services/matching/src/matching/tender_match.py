"""Which structures could answer a tender, and how good each lead is."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common.events.common_types import LeadKind, ServiceType
from chantiers_common.events.matching import Lead
from chantiers_common.events.prospects import Tender
from chantiers_common.events.structures import Activity

from . import scoring
from .classification import MATCH_THRESHOLD, SectorMatch, classify, sector_names
from .db import activities, structures
from .eligibility import Place, area_fit
from .leads import lead_id

# BOAMP market type → the service types that can deliver it.
_SERVICE_TYPES = {
    "SERVICES": {ServiceType.SERVICE, ServiceType.STAFF_PROVISION},
    "TRAVAUX": {ServiceType.SERVICE, ServiceType.STAFF_PROVISION},
    "FOURNITURES": {ServiceType.GOODS},
}


def sectors_of(tender: Tender) -> list[SectorMatch]:
    matches = classify(tender.title, tender.description, tender.cpv_codes, tender.descriptors)
    return [m for m in matches if m.confidence >= MATCH_THRESHOLD]


def service_type_fits(tender: Tender, activity: Activity) -> bool:
    wanted: set[ServiceType] = set()
    for market_type in tender.market_types:
        wanted |= _SERVICE_TYPES.get(market_type.upper(), set())
    # Unknown market type: not a mismatch.
    return not wanted or bool(wanted & set(activity.service_types))


def score_pair(tender: Tender, activity: Activity, sector: SectorMatch, now: datetime,
               ) -> Lead | None:
    place = Place(tuple(tender.departments), tender.commune_insee, tender.location)
    fit = area_fit(activity, place)
    if not fit.eligible or not service_type_fits(tender, activity):
        return None
    deadline = scoring.deadline_part(tender.deadline, now)
    if deadline is None:
        return None
    score, components = scoring.combine({
        "sector": scoring.sector_part(sector_names().get(sector.slug, sector.slug),
                                      sector.confidence,
                                      sector.evidence),
        "distance": scoring.distance_part(fit.distance_km, fit.reason, activity.area.radius_km),
        "social": scoring.social_part(tender),
        "deadline": deadline,
    })
    return Lead(
        id=lead_id(activity.structure_siret, LeadKind.TENDER.value, tender.idweb),
        version=1,
        kind=LeadKind.TENDER,
        structure_siret=activity.structure_siret,
        prospect_ref=tender.idweb,
        title=tender.title,
        counterpart=tender.buyer.name,
        counterpart_siret=tender.buyer.siret,
        sector=sector.slug,
        sectors=[sector.slug],
        departments=list(tender.departments),
        place=", ".join(tender.departments) or None,
        distance_km=None if fit.distance_km is None else round(fit.distance_km, 1),
        deadline=tender.deadline,
        url=tender.url,
        score=score,
        components=components,
        reasons=[c.reason for c in components if c.points > 0],
        scored_at=now,
    )


async def candidates(session: AsyncSession, tender: Tender, now: datetime) -> list[Lead]:
    matches = {m.slug: m for m in sectors_of(tender)}
    if not matches:
        return []
    rows = (
        await session.execute(
            select(activities.c.data)
            .join(structures, structures.c.siret == activities.c.siret)
            .where(activities.c.sector.in_(matches), ~activities.c.removed, structures.c.active)
        )
    ).all()
    best: dict[str, Lead] = {}
    for row in rows:
        activity = Activity.model_validate(row.data)
        lead = score_pair(tender, activity, matches[activity.sector], now)
        if lead and (lead.structure_siret not in best
                     or lead.score > best[lead.structure_siret].score):
            best[lead.structure_siret] = lead
    return list(best.values())
