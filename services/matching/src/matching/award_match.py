"""Award leads: a market awarded with a social clause obliges its winner to deliver
insertion hours, which it may subcontract to SIAE or fill with staff they provide. The
winner is a lead for the structures of the same trade within reach of the work."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from chantiers_common.events.common_types import LeadKind
from chantiers_common.events.prospects import Tender, Winner

from . import company_components as cc
from . import components as c
from .catalog import ActivityEntry
from .classification import SectorMatch
from .company_facts import CompanyFacts
from .context import MatchContext
from .eligibility import AreaFit, area_fit, service_type_fits, wanted_service_types
from .leads import BestPerStructure, ScoredLead, award_ref, lead_data, lead_template
from .scoring import Part, Scorer
from .tender_match import sectors_of, tender_place


def has_insertion_clause(award: Tender) -> bool:
    return award.social_criteria or award.insertion_market


def match_award(
    award: Tender,
    winner: Winner,
    winner_company: CompanyFacts | None,
    ctx: MatchContext,
    now: datetime,
    *,
    sectors: list[SectorMatch] | None = None,
    activities: Iterable[ActivityEntry] | None = None,
) -> list[ScoredLead]:
    """Leads on one winner, best per structure. Nothing without a social clause, and
    nothing on a winner that is itself a SIAE (the catalog knows them)."""
    if not has_insertion_clause(award):
        return []
    if winner.siret and winner.siret in ctx.catalog.structures:
        return []
    sectors = sectors_of(award) if sectors is None else sectors
    if not sectors:
        return []
    place = tender_place(award)
    if place.unknown and winner_company is not None:
        place = winner_company.place  # where the winner's teams are
    catalog = ctx.catalog
    wanted = wanted_service_types(award.market_types)
    by_sector = {m.slug: m for m in sectors}
    if activities is None:
        pool = [a for m in sectors for a in catalog.near(m.slug, place)]
    else:
        pool = [a for a in activities if a.sector in by_sector]
    scorer = Scorer(ctx.config.weights(LeadKind.AWARD), {
        "social": c.award_social_part(award),
        "amount": c.award_amount_part(winner.amount_eur or award.amount_eur),
        "winner": cc.headcount_part(winner_company.headcount_band if winner_company else None,
                                    who="Titulaire"),
        "freshness": c.freshness_part(award.published_on, now.date(), award=True),
    })
    reference_km = ctx.config.rules.reference_km
    best: BestPerStructure[tuple[ActivityEntry, SectorMatch, AreaFit, dict[str, Part]]] = (
        BestPerStructure())
    for a in pool:
        if not catalog.structure_active(a.siret) or not service_type_fits(wanted, a):
            continue
        fit = area_fit(a, place)
        if not fit.eligible:
            continue
        match = by_sector[a.sector]
        parts = {
            "sector": c.sector_part(ctx.sector_name(match.slug), match.confidence,
                                    match.evidence, a),
            "distance": c.distance_part(fit, reference_km),
        }
        best.offer(a.siret, scorer.value(parts), a.id, (a, match, fit, parts))
    template = lead_template(
        kind=LeadKind.AWARD.value, prospect_ref=award_ref(award.idweb, winner.siret, winner.name),
        title=award.title, counterpart=winner.name, counterpart_siret=winner.siret,
        departments=list(place.all_departments()),
        place=award.place or ", ".join(award.departments) or None,
        deadline=None, url=award.url, scored_at=now,
    )
    department = place.departments[0] if place.departments else None
    leads = []
    for a, match, fit, parts in best.winners():
        score = scorer.score(parts)
        data = lead_data(template, structure_siret=a.siret, sector=match.slug,
                         distance_km=fit.distance_km, score=score)
        leads.append(ScoredLead(data, score.fingerprint, a.id,
                                naf=winner_company.naf if winner_company else None,
                                department=department))
    return leads
