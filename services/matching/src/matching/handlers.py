"""What matching does on each event it consumes (one transaction per event, with the
inbox claim already taken by the consumer).

- structures and activities: stored, the catalog version bumped; a new or changed
  activity is matched against the known prospects by a backfill request;
- tenders: matched against the catalog; a correction updates the leads of the tender it
  corrects; a cancellation or an award withdraws them (and leaves a tombstone);
- awards with a social clause: leads on the winners;
- companies, one by one or in bulk batches: matched against the catalog, set-based;
- feedback: evidence per segment;
- structure tokens issued and revoked: who may read which leads through the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from opentelemetry import context as otel_context
from prometheus_client import Histogram
from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common.bus.batching import Delivered, ManyHandler, shared_span
from chantiers_common.bus.consumer import Handler
from chantiers_common.events import Envelope
from chantiers_common.events.prospects import Company, Tender
from chantiers_common.events.structures import Activity, Structure

from . import (
    access_store,
    catalog_store,
    company_store,
    evidence_store,
    jobs,
    lead_store,
    tender_store,
)
from .award_match import has_insertion_clause, match_award
from .company_facts import CompanyFacts
from .company_match import match_company
from .pg import raw
from .state import MatchingState
from .tender_match import match_tender, sectors_of

PUBLISH_TO_LEAD = Histogram(
    "chantiers_publish_to_lead_seconds",
    "From a tender event's creation in prospects to its leads being scored",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)

CANCELLED = "Appel d'offres annulé"
AWARDED = "Marché attribué : la consultation est close"
NOT_ANYMORE = "Avis modifié : cette piste ne correspond plus à vos activités"
EXPIRED = "Date limite de réponse dépassée"
CLOSED = "Établissement fermé"
COMPANY_CHANGED = "Établissement modifié : cette piste ne correspond plus à vos activités"
DEACTIVATED = "Structure désactivée"


def now() -> datetime:
    return datetime.now(UTC)


def tender_key(tender: Tender) -> str:
    """The tender a notice is about: a correction updates the tender it corrects."""
    if tender.nature == "RECTIFICATIF" and tender.related_idweb:
        return tender.related_idweb[0]
    return tender.idweb


# The fields of a structure its leads' scores depend on (besides its activities).
_SCORED_FIELDS = ("kind", "headroom_eur", "commercial_revenue_eur", "cap_rate",
                  "insertion_headcount", "permanent_headcount", "location", "department")


class Handlers:
    def __init__(self, state: MatchingState) -> None:
        self.state = state
        # One handler object for both types, so that a run of them is written at once.
        self.tenders = ManyHandler(self.on_tender, self.on_tenders)

    def table(self) -> dict[str, Handler]:
        return {
            "structure.registered": self.on_structure,
            "structure.updated": self.on_structure,
            "structure.deactivated": self.on_structure,
            "activity.added": self.on_activity,
            "activity.changed": self.on_activity,
            "activity.removed": self.on_activity,
            "tender.published": self.tenders,
            "tender.updated": self.tenders,
            "tender.cancelled": self.on_cancelled,
            "tender.awarded": self.on_awarded,
            "company.registered": self.on_company,
            "company.updated": self.on_company,
            "company.closed": self.on_company,
            "companies.bulk_loaded": self.on_companies,
            "feedback.recorded": self.on_feedback,
            "token.issued": self.on_token_issued,
            "token.revoked": self.on_token_revoked,
        }

    # --- the catalog ----------------------------------------------------------------
    async def on_structure(self, session: AsyncSession, env: Envelope[Any]) -> None:
        structure: Structure = env.data.structure
        active = structure.active and env.type != "structure.deactivated"
        conn = await raw(session)
        version = await catalog_store.begin_write(conn)
        old = await catalog_store.save_structure(conn, version, structure, active,
                                                 env.occurred_at)
        if old is None:
            return  # an older event than the one stored
        if not active:
            await lead_store.withdraw(conn, "structure_siret = $3", structure.siret,
                                      reason=DEACTIVATED)
            return
        was_active, before = old
        changed = before is None or any(
            getattr(before, f) != getattr(structure, f) for f in _SCORED_FIELDS)
        if was_active is False or (changed and await catalog_store.has_activities(
                conn, structure.siret)):
            await jobs.enqueue(conn, structure.siret, None)

    async def on_activity(self, session: AsyncSession, env: Envelope[Any]) -> None:
        activity: Activity = env.data.activity
        conn = await raw(session)
        version = await catalog_store.begin_write(conn)
        if await catalog_store.save_activity(conn, version, activity,
                                             env.type == "activity.removed", env.occurred_at):
            await jobs.enqueue(conn, activity.structure_siret, activity.id)

    # --- tenders --------------------------------------------------------------------
    async def on_tender(self, session: AsyncSession, env: Envelope[Any]) -> None:
        await self.on_tenders(session, [Delivered(env, otel_context.get_current())])

    async def on_tenders(self, session: AsyncSession, run: Sequence[Delivered]) -> None:
        """Published or corrected tenders that arrived together: matched one by one (each
        in its event's trace context), then stored with their leads in one statement. The
        leads are written only if the tender is (still) open there, after any cancellation
        that beat us to it. A tender seen twice in the run is handled one event at a time."""
        keys = [tender_key(d.envelope.data.tender) for d in run]
        if len(set(keys)) < len(keys):
            for delivered in run:
                with delivered.active():
                    await self.on_tender(session, delivered.envelope)
            return
        moment = now()
        conn = await raw(session)
        state = self.state
        with run[0].active():
            if state.catalog_version < 0:
                await state.context(conn)
            await state.reload_history_if_due(conn)
        matched_with, given = state.catalog_version, []
        for key, delivered in zip(keys, run, strict=True):
            tender: Tender = delivered.envelope.data.tender
            with delivered.active():
                sectors = sectors_of(tender)
                leads = match_tender(tender, state.ctx, moment, key=key, sectors=sectors)
                given.append(tender_store.OpenTender(
                    key, tender, sectors, delivered.envelope.occurred_at,
                    lead_store.lead_rows(leads)))
        with shared_span(run, "matching store tenders and leads",
                         {"db.system": "postgresql", "db.operation.name": "INSERT"}):
            saved = await tender_store.save_many_open(conn, given, moment)
        for opened, delivered in zip(given, run, strict=True):
            if opened.key not in saved:
                continue  # cancelled or awarded already, or an older event
            status, inserted, catalog_version = saved[opened.key]
            kept = [row[0] for row in opened.lead_rows] if status == tender_store.OPEN else []
            with delivered.active():
                if catalog_version != matched_with and status == tender_store.OPEN:
                    # Structures or activities changed meanwhile: match again with them.
                    ctx = await state.context(conn, catalog_version)
                    leads = match_tender(opened.tender, ctx, moment, key=opened.key,
                                         sectors=list(opened.matches))
                    await lead_store.save_leads(conn, leads)
                    kept, inserted = [lead.id for lead in leads], False
                if not inserted:
                    # A correction may move the place or the deadline: leads that no
                    # longer come out are withdrawn.
                    await lead_store.withdraw(
                        conn,
                        "kind = 'tender' AND prospect_ref = $3 AND NOT (id = ANY($4::text[]))",
                        opened.key, kept,
                        reason=NOT_ANYMORE if status == tender_store.OPEN else EXPIRED)
            PUBLISH_TO_LEAD.observe(
                max(0.0, (now() - delivered.envelope.occurred_at).total_seconds()))

    async def on_cancelled(self, session: AsyncSession, env: Envelope[Any]) -> None:
        tender: Tender = env.data.tender
        keys = sorted({tender.idweb, *tender.related_idweb})
        conn = await raw(session)
        await tender_store.close(conn, keys, tender, tender_store.CANCELLED, env.occurred_at)
        await lead_store.withdraw(conn, "kind = 'tender' AND prospect_ref = ANY($3::text[])",
                                  keys, reason=CANCELLED)

    async def on_awarded(self, session: AsyncSession, env: Envelope[Any]) -> None:
        award: Tender = env.data.tender
        keys = sorted({award.idweb, *award.related_idweb})
        conn = await raw(session)
        await tender_store.close(conn, keys, award, tender_store.AWARDED, env.occurred_at)
        await lead_store.withdraw(conn, "kind = 'tender' AND prospect_ref = ANY($3::text[])",
                                  keys, reason=AWARDED)
        winners = [w.siret for w in award.winners if w.siret]
        if award.buyer.siret and winners:
            # The buyers' history joins these with the SIAE when it scores.
            await tender_store.record_award_pairs(conn, award.idweb, award.buyer.siret,
                                                  winners)
            self.state.forget_history()
        if not has_insertion_clause(award):
            return
        ctx, moment, sectors = await self.state.context(conn), now(), sectors_of(award)
        leads = []
        for winner in award.winners:
            company = await company_store.one(conn, winner.siret) if winner.siret else None
            leads += match_award(award, winner, company, ctx, moment, sectors=sectors)
        await lead_store.save_leads(conn, leads)

    # --- companies ------------------------------------------------------------------
    async def on_company(self, session: AsyncSession, env: Envelope[Any]) -> None:
        company: Company = env.data.company
        active = company.active and env.type != "company.closed"
        await self._companies(session, [CompanyFacts.from_company(company, active=active)],
                              env.occurred_at)

    async def on_companies(self, session: AsyncSession, env: Envelope[Any]) -> None:
        """A batch of a bulk load: stored in one statement, matched in one pass, its
        leads written in one statement."""
        await self._companies(session, [CompanyFacts.from_company(c)
                                        for c in env.data.companies], env.occurred_at)

    async def _companies(self, session: AsyncSession, facts: list[CompanyFacts],
                         at: datetime) -> None:
        conn = await raw(session)
        ctx = await self.state.context(conn)
        stored = await company_store.save_companies(conn, facts, at)
        closed = sorted({f.siret for f in facts if f.siret in stored and not f.active})
        if closed:
            await lead_store.withdraw(
                conn, "counterpart_siret = ANY($3::text[]) AND kind IN ('company', 'award')",
                closed, reason=CLOSED)
        open_ = [f for f in facts if f.siret in stored and f.active]
        if not open_:
            return
        evidence = await evidence_store.for_companies(
            conn, [f.naf[:2] for f in open_ if f.naf], [f.department for f in open_
                                                         if f.department], ctx.config.rules)
        moment = now()
        leads = [lead for f in open_ for lead in match_company(f, ctx, evidence, moment)]
        await lead_store.withdraw(
            conn, "kind = 'company' AND prospect_ref = ANY($3::text[])"
            " AND NOT (id = ANY($4::text[]))",
            sorted(f.siret for f in open_), [lead.id for lead in leads],
            reason=COMPANY_CHANGED)
        await lead_store.save_leads(conn, leads)

    # --- outcomes -------------------------------------------------------------------
    async def on_feedback(self, session: AsyncSession, env: Envelope[Any]) -> None:
        data = env.data
        await evidence_store.record(await raw(session), data.lead_id, data.contact_id,
                                    data.outcome, data.recorded_at)

    # --- API access -----------------------------------------------------------------
    async def on_token_issued(self, session: AsyncSession, env: Envelope[Any]) -> None:
        data = env.data
        await access_store.grant(await raw(session), data.token_id, data.siret,
                                 data.token_sha256, data.issued_at)

    async def on_token_revoked(self, session: AsyncSession, env: Envelope[Any]) -> None:
        data = env.data
        await access_store.revoke(await raw(session), data.token_id, data.siret,
                                  data.revoked_at)


BINDINGS = (
    "structures.structure.*",
    "structures.activity.*",
    "prospects.tender.*",
    "prospects.company.*",
    "prospects.companies.*",
    "notifications.feedback.recorded",
    "structures.token.*",
)
