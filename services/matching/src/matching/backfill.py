"""Backfill: a new or changed activity meets the prospects already known.

For the structure's activities that changed: the open tenders of their sectors, and the
active companies of their NAF codes within their area (set-based queries on indexes),
plus the prospects the structure already has leads on from those activities. Each
prospect is scored against *all* the structure's activities (one lead per structure and
prospect, from its best activity); leads that no longer come out are withdrawn.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime

import asyncpg

from chantiers_common.events.structures import AreaKind

from . import catalog_store, company_store, evidence_store, lead_store, tender_store
from .catalog import ActivityEntry
from .company_facts import CompanyFacts
from .company_match import match_company
from .context import MatchContext
from .jobs import Job
from .leads import ScoredLead
from .state import MatchingState
from .tender_match import match_tender

log = logging.getLogger(__name__)

NO_LONGER = "Activité modifiée ou retirée : cette piste ne correspond plus à vos activités"


async def run(conn: asyncpg.Connection, state: MatchingState, job: Job, now: datetime,
              ) -> Counter[str]:
    # Handlers that matched prospects with the catalog as it was before this change may
    # still be committing them: wait for them, so that their prospects are seen below.
    await conn.execute(f"SET LOCAL application_name = '{catalog_store.BACKFILL_APPLICATION}'")
    await catalog_store.wait_for_transactions_in_flight(conn)
    ctx = await state.context(conn)
    catalog = ctx.catalog
    if not catalog.structure_active(job.siret):
        return Counter()  # its deactivation withdrew its leads
    entries = catalog.of_structure(job.siret)
    if job.activity_id is None:
        changed = entries
    else:
        entry = catalog.activities.get(job.activity_id)
        changed = [entry] if entry is not None and entry.siret == job.siret else []
    held = await conn.fetch(
        "SELECT kind, prospect_ref FROM leads WHERE status = 'active' AND structure_siret = $1"
        " AND ($2::text IS NULL OR activity_id = $2) AND kind IN ('tender', 'company')",
        job.siret, job.activity_id)
    leads = await _tenders(conn, ctx, changed, entries,
                           [r["prospect_ref"] for r in held if r["kind"] == "tender"], now)
    leads += await _companies(conn, ctx, changed, entries,
                              [r["prospect_ref"] for r in held if r["kind"] == "company"], now)
    counts = await lead_store.save_leads(conn, leads)
    counts += await lead_store.withdraw(
        conn, "structure_siret = $3 AND ($4::text IS NULL OR activity_id = $4)"
        " AND kind IN ('tender', 'company') AND NOT (id = ANY($5::text[]))",
        job.siret, job.activity_id, [lead.id for lead in leads], reason=NO_LONGER)
    log.info("backfill %s/%s: %s", job.siret, job.activity_id or "*", dict(counts))
    return counts


async def _tenders(conn: asyncpg.Connection, ctx: MatchContext, changed: list[ActivityEntry],
                   entries: list[ActivityEntry], held: list[str], now: datetime,
                   ) -> list[ScoredLead]:
    found = {key: (tender, matches) for key, tender, matches in
             await tender_store.open_in_sectors(conn, sorted({e.sector for e in changed}), now)}
    missing = [key for key in held if key not in found]
    if missing:
        found.update({key: (tender, matches) for key, tender, matches in
                      await tender_store.open_by_key(conn, missing, now)})
    leads: list[ScoredLead] = []
    for key, (tender, matches) in sorted(found.items()):
        leads += match_tender(tender, ctx, now, key=key, sectors=matches, activities=entries)
    return leads


async def _companies(conn: asyncpg.Connection, ctx: MatchContext,
                     changed: list[ActivityEntry], entries: list[ActivityEntry],
                     held: list[str], now: datetime) -> list[ScoredLead]:
    found: dict[str, CompanyFacts] = {}
    rules = ctx.config.rules
    for e in changed:
        codes = ctx.links.codes_for(e.sector)
        if not codes:
            continue
        if e.area_kind in (AreaKind.RADIUS, AreaKind.FRANCE) and e.located:
            radius = e.radius_km if e.area_kind is AreaKind.RADIUS else (
                rules.company_france_radius_km)
            rows = await company_store.near(conn, codes, e.lat, e.lon, radius or 0.0)  # type: ignore[arg-type]
        else:
            departments = sorted(e.departments) or (
                [e.structure_department] if e.structure_department else [])
            rows = await company_store.in_departments(conn, codes, departments)
        found.update((c.siret, c) for c in rows)
    missing = [siret for siret in held if siret not in found]
    if missing:
        found.update((c.siret, c) for c in await company_store.by_siret(conn, missing))
    if not found:
        return []
    companies = list(found.values())
    evidence = await evidence_store.for_companies(
        conn, [c.naf[:2] for c in companies if c.naf],
        [c.department for c in companies if c.department], rules)
    leads: list[ScoredLead] = []
    for company in companies:
        leads += match_company(company, ctx, evidence, now, activities=entries)
    return leads
