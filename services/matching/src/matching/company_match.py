"""Which structures a company is a prospect for (client or same trade), and how good
each lead is. In memory: the activities come from the catalog, the company's facts from
its event or its row; a batch of companies is matched in one pass."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from chantiers_common.events.common_types import LeadKind

from . import company_components as cc
from . import components as c
from .catalog import ActivityEntry
from .company_facts import CompanyFacts
from .context import MatchContext
from .eligibility import AreaFit, area_fit
from .evidence import Segment, SegmentEvidence
from .leads import BestPerStructure, ScoredLead, lead_data, lead_template
from .naf_links import NafLink
from .scoring import Part, Scorer

Evidence = Mapping[Segment, SegmentEvidence]


def match_company(
    company: CompanyFacts,
    ctx: MatchContext,
    evidence: Evidence,
    now: datetime,
    *,
    activities: Iterable[ActivityEntry] | None = None,
) -> list[ScoredLead]:
    """The best lead per structure, at or above the configuration's minimum score.

    ``activities``: only these (a backfill rescoring one structure).
    """
    if not company.active:
        return []
    links = ctx.links.for_naf(company.naf)
    if not links:
        return []
    catalog, rules = ctx.catalog, ctx.config.rules
    place = company.place
    by_sector: dict[str, NafLink] = {}
    for link in links:
        if link.sector not in by_sector or link.weight > by_sector[link.sector].weight:
            by_sector[link.sector] = link
    if activities is None:
        pool = [a for s in by_sector for a in catalog.near(s, place, for_company=True)]
    else:
        pool = [a for a in activities if a.sector in by_sector]
    today = now.date()
    scorer = Scorer(ctx.config.weights(LeadKind.COMPANY), {
        "headcount": cc.headcount_part(company.headcount_band),
        "ess": cc.ess_part(company.ess),
        "mission": cc.mission_part(company.mission),
        "new_establishment": cc.new_establishment_part(company.created_on, today,
                                                       rules.new_establishment_days),
    })
    best: BestPerStructure[tuple[ActivityEntry, NafLink, AreaFit, dict[str, Part]]] = (
        BestPerStructure())
    for a in pool:
        if not catalog.structure_active(a.siret):
            continue
        fit = area_fit(a, place, france_radius_km=rules.company_france_radius_km)
        if not fit.eligible:
            continue
        link = by_sector[a.sector]
        segment = Segment.of(link.sector, company.naf, company.department)
        parts = {
            "relation": cc.relation_part(link, evidence.get(segment) if segment else None,
                                         rules.evidence_factor_min, rules.evidence_factor_max),
            "distance": c.distance_part(fit, rules.reference_km),
        }
        score = scorer.value(parts)
        if score >= rules.company_min_score:
            best.offer(a.siret, score, a.id, (a, link, fit, parts))
    where = " ".join(p for p in (company.post_code, company.commune_insee and
                                 f"(INSEE {company.commune_insee})") if p)
    template = lead_template(
        kind=LeadKind.COMPANY.value, prospect_ref=company.siret, title="",
        counterpart=company.display_name, counterpart_siret=company.siret,
        departments=[company.department] if company.department else [], place=where or None,
        deadline=None, url=None, scored_at=now,
    )
    leads = []
    for a, link, fit, parts in best.winners():
        score = scorer.score(parts)
        what = "Client potentiel" if link.relation == "client" else "Même métier"
        data = lead_data({**template, "title": f"{what} : {link.label}"},
                         structure_siret=a.siret, sector=a.sector,
                         distance_km=fit.distance_km, score=score)
        leads.append(ScoredLead(data, score.fingerprint, a.id, naf=company.naf,
                                department=company.department))
    return leads
