"""Which structures could answer a tender, and how good each lead is (in memory)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from chantiers_common.events.common_types import LeadKind
from chantiers_common.events.prospects import Tender

from . import components as c
from .catalog import ActivityEntry
from .classification import MATCH_THRESHOLD, SectorMatch, classify
from .context import MatchContext
from .eligibility import AreaFit, area_fit, service_type_fits, wanted_service_types
from .leads import BestPerStructure, ScoredLead, lead_data, lead_template
from .places import Place
from .scoring import Part, Scorer


def sectors_of(tender: Tender) -> list[SectorMatch]:
    matches = classify(tender.title, tender.description, tender.cpv_codes, tender.descriptors)
    return [m for m in matches if m.confidence >= MATCH_THRESHOLD]


def tender_place(tender: Tender) -> Place:
    loc = tender.location
    return Place(tuple(tender.departments), tender.commune_insee,
                 loc.lat if loc else None, loc.lon if loc else None)


@dataclass(frozen=True, slots=True)
class _Candidate:
    activity: ActivityEntry
    match: SectorMatch
    fit: AreaFit
    parts: dict[str, Part]


def match_tender(
    tender: Tender,
    ctx: MatchContext,
    now: datetime,
    *,
    key: str | None = None,
    sectors: list[SectorMatch] | None = None,
    activities: Iterable[ActivityEntry] | None = None,
) -> list[ScoredLead]:
    """The best lead per structure (none when the deadline has passed).

    ``key``: the prospect the leads are about (a correction notice updates the leads of
    the tender it corrects). ``activities``: only these (a backfill rescoring one
    structure); by default every activity of the catalog that may reach the place.
    """
    deadline = c.deadline_part(tender.deadline, now)
    if deadline is None:
        return []
    sectors = sectors_of(tender) if sectors is None else sectors
    if not sectors:
        return []
    catalog = ctx.catalog
    place, wanted = tender_place(tender), wanted_service_types(tender.market_types)
    scorer = Scorer(ctx.config.weights(LeadKind.TENDER), {
        "deadline": deadline,
        "buyer_history": c.buyer_history_part(tender.buyer.siret, ctx.history.siae_contracts(
            tender.buyer.siret, catalog.structures)),
        "freshness": c.freshness_part(tender.published_on, now.date()),
    })
    by_sector = {m.slug: m for m in sectors}
    if activities is None:
        pool: Iterable[ActivityEntry] = [a for m in sectors for a in catalog.near(m.slug, place)]
    else:
        pool = [a for a in activities if a.sector in by_sector]
    reference_km = ctx.config.rules.reference_km
    confirmed: dict[str, Part] = {}  # the sector part of confirmed activities, per sector
    best: BestPerStructure[_Candidate] = BestPerStructure()
    for a in pool:
        if not catalog.structure_active(a.siret) or not service_type_fits(wanted, a):
            continue
        fit = area_fit(a, place)
        if not fit.eligible:
            continue
        match = by_sector[a.sector]
        structure = catalog.structure(a.siret)
        sector = None if a.suggested else confirmed.get(a.sector)
        if sector is None:
            sector = c.sector_part(ctx.sector_name(match.slug), match.confidence,
                                   match.evidence, a)
            if not a.suggested:
                confirmed[a.sector] = sector
        parts = {
            "sector": sector,
            "distance": c.distance_part(fit, reference_km),
            "social": c.social_part(tender, structure.kind if structure else None),
            "amount": c.amount_part(tender, structure),
        }
        best.offer(a.siret, scorer.value(parts), a.id, _Candidate(a, match, fit, parts))
    template = lead_template(
        kind=LeadKind.TENDER.value, prospect_ref=key or tender.idweb, title=tender.title,
        counterpart=tender.buyer.name, counterpart_siret=tender.buyer.siret,
        departments=list(tender.departments),
        place=tender.place or ", ".join(tender.departments) or None,
        deadline=tender.deadline, url=tender.url, scored_at=now,
    )
    department = tender.departments[0] if tender.departments else None
    leads = []
    for cand in best.winners():
        score = scorer.score(cand.parts)
        data = lead_data(template, structure_siret=cand.activity.siret, sector=cand.match.slug,
                         distance_km=cand.fit.distance_km, score=score)
        leads.append(ScoredLead(data, score.fingerprint, cand.activity.id,
                                department=department))
    return leads
