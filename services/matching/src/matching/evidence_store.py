"""What the field answered, in the database: one answer per (lead, contact) — the latest
replaces the previous one — and the counts per segment."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

import asyncpg

from chantiers_common.events.common_types import Outcome

from .evidence import Segment, SegmentEvidence, change
from .pg import as_json
from .weights import Rules


async def record(conn: asyncpg.Connection, lead_id: str, contact_id: str, outcome: Outcome,
                 at: datetime) -> Segment | None:
    """Record an answer; returns the segment whose evidence it changed (None when the
    lead has no segment: tender leads, unknown NAF, or a lead this service never made)."""
    lead = await conn.fetchrow("SELECT sector, naf, department FROM leads WHERE id = $1",
                               lead_id)
    segment = Segment.of(lead["sector"], lead["naf"], lead["department"]) if lead else None
    key = (segment.sector, segment.naf_division, segment.department) if segment else None
    if key is not None:
        # Every answer of a segment waits here for the one before: the counts it reads
        # next include every earlier answer.
        await conn.execute("INSERT INTO evidence (sector, naf_division, department) "
                           "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", *key)
        counts = as_json(await conn.fetchval(
            "SELECT counts FROM evidence WHERE sector = $1 AND naf_division = $2"
            " AND department = $3 FOR UPDATE", *key))
    previous = await conn.fetchrow(
        "SELECT outcome, recorded_at FROM feedback WHERE lead_id = $1 AND contact_id = $2"
        " FOR UPDATE", lead_id, contact_id)
    if previous is not None and previous["recorded_at"] > at:
        return None  # an older answer arriving late changes nothing
    await conn.execute(
        """
        INSERT INTO feedback (lead_id, contact_id, outcome, sector, naf_division, department,
                              recorded_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (lead_id, contact_id) DO UPDATE SET outcome = excluded.outcome,
            recorded_at = excluded.recorded_at
        """,
        lead_id, contact_id, outcome.value, *(key or (None, None, None)), at)
    if key is None:
        return None
    old = Outcome(previous["outcome"]) if previous is not None else None
    await conn.execute(
        "UPDATE evidence SET counts = $4::jsonb, updated_at = now() WHERE sector = $1"
        " AND naf_division = $2 AND department = $3", *key,
        json.dumps(change(counts, old, outcome)))
    return segment


async def for_companies(conn: asyncpg.Connection, naf_divisions: Iterable[str],
                        departments: Iterable[str], rules: Rules,
                        ) -> dict[Segment, SegmentEvidence]:
    """The evidence of the segments a batch of companies may fall in."""
    divisions, deps = sorted(set(naf_divisions)), sorted(set(departments))
    if not divisions or not deps:
        return {}
    rows = await conn.fetch(
        "SELECT sector, naf_division, department, counts FROM evidence"
        " WHERE naf_division = ANY($1::text[]) AND department = ANY($2::text[])",
        divisions, deps)
    return {seg.segment: seg for seg in (_evidence(r, rules) for r in rows)}


async def all_segments(conn: asyncpg.Connection, rules: Rules) -> list[SegmentEvidence]:
    rows = await conn.fetch("SELECT sector, naf_division, department, counts FROM evidence")
    return [_evidence(r, rules) for r in rows]


def _evidence(row: asyncpg.Record, rules: Rules) -> SegmentEvidence:
    return SegmentEvidence(Segment(row["sector"], row["naf_division"], row["department"]),
                           dict(as_json(row["counts"])), rules.evidence_prior_success,
                           rules.evidence_prior_failure)
