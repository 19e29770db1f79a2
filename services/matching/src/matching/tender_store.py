"""Tenders in the database: their state (with tombstones), and the open ones of a sector.

A tender row is keyed by the prospect its leads are about (a correction notice updates
the row of the tender it corrects). Cancelled and awarded are final: a late or replayed
``tender.published`` finds the tombstone and changes nothing. Among the other events the
most recent (by the time the producer wrote it) wins, whatever order they arrive in.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from chantiers_common.events.prospects import Tender

from . import lead_store
from .classification import SectorMatch
from .leads import ScoredLead
from .pg import as_json

OPEN, EXPIRED, CANCELLED, AWARDED = "open", "expired", "cancelled", "awarded"
FINAL = (CANCELLED, AWARDED)


def matches_json(matches: Sequence[SectorMatch]) -> str:
    """The sectors a tender was classified in, kept with it for later backfills (so that
    they are not classified again, possibly differently)."""
    return json.dumps([{"slug": m.slug, "confidence": m.confidence,
                        "evidence": list(m.evidence)} for m in matches], ensure_ascii=False)


def matches_from(value: Any) -> list[SectorMatch]:
    return [SectorMatch(slug=m["slug"], confidence=m["confidence"],
                        evidence=tuple(m["evidence"])) for m in as_json(value)]


@dataclass(frozen=True)
class OpenTender:
    """A published or corrected tender to store, with its leads (already matched, each
    lead row carrying the trace headers of the event it came from)."""

    key: str
    tender: Tender
    matches: Sequence[SectorMatch]
    at: datetime
    lead_rows: Sequence[lead_store.Row]


_TENDER_COLUMNS = ("idweb", "status", "deadline", "data", "sectors", "matches", "updated_at")

_SAVE_MANY_OPEN = f"""
WITH given AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[],
                         $6::text[], $7::timestamptz[]) AS g({", ".join(_TENDER_COLUMNS)})
    ORDER BY idweb
),
t AS (
    INSERT INTO tenders AS t (idweb, status, deadline, data, sectors, matches, updated_at)
    SELECT idweb, status, deadline, data::jsonb,
           ARRAY(SELECT jsonb_array_elements_text(sectors::jsonb)), matches::jsonb, updated_at
    FROM given
    ON CONFLICT (idweb) DO UPDATE SET status = excluded.status,
        deadline = excluded.deadline, data = excluded.data, sectors = excluded.sectors,
        matches = excluded.matches, updated_at = excluded.updated_at
    WHERE t.status NOT IN ('cancelled', 'awarded') AND t.updated_at <= excluded.updated_at
    RETURNING t.idweb, t.status, (t.xmax = 0) AS inserted
),
{lead_store.leads_cte(8, gate="prospect_ref IN (SELECT idweb FROM t WHERE status = 'open')")}
SELECT t.idweb, t.status, t.inserted, NULL AS kind, NULL AS event_type,
       (SELECT version FROM catalog_version WHERE id = 1) AS catalog_version
FROM t
UNION ALL
SELECT NULL, NULL, NULL, e.kind, e.event_type, NULL FROM e
"""


async def save_many_open(conn: asyncpg.Connection, tenders: Sequence[OpenTender],
                         now: datetime) -> dict[str, tuple[str, bool, int]]:
    """Store published or corrected tenders (distinct keys) and the leads of those that
    are open, in one statement: the leads are written only if the tender row says open
    once its lock is held, so that a cancellation committed meanwhile wins. Returns, for
    each tender written, its status, whether it is new and the catalog version now (the
    caller matches again if it matched with an older one); the tenders left out changed
    nothing (cancelled or awarded, or this event is older than the stored one)."""
    keys = [t.key for t in tenders]
    assert len(set(keys)) == len(keys), "one row per tender and statement"
    rows = [(t.key, _status(t.tender, now), t.tender.deadline, t.tender.model_dump_json(),
             json.dumps([m.slug for m in t.matches]), matches_json(t.matches), t.at)
            for t in tenders]
    written = await conn.fetch(
        _SAVE_MANY_OPEN, *lead_store.columns(rows, len(_TENDER_COLUMNS)),
        *lead_store.columns([row for t in tenders for row in t.lead_rows]))
    lead_store.count_events([r for r in written if r["event_type"] is not None])
    return {r["idweb"]: (r["status"], r["inserted"], r["catalog_version"])
            for r in written if r["idweb"] is not None}


async def save_open(conn: asyncpg.Connection, key: str, tender: Tender,
                    matches: Sequence[SectorMatch], at: datetime, now: datetime,
                    leads: Sequence[ScoredLead] = (),
                    ) -> tuple[str, bool, int] | None:
    """One tender (see :func:`save_many_open`); None when nothing changed."""
    opened = OpenTender(key, tender, matches, at, lead_store.lead_rows(leads))
    return (await save_many_open(conn, [opened], now)).get(key)


def _status(tender: Tender, now: datetime) -> str:
    return EXPIRED if tender.deadline is not None and tender.deadline < now else OPEN


async def close(conn: asyncpg.Connection, keys: Sequence[str], tender: Tender, status: str,
                at: datetime) -> None:
    """Mark tenders cancelled or awarded (a tombstone when the tender is not known yet).
    A cancellation is final; an award does not undo a cancellation."""
    assert status in FINAL
    await conn.execute(
        """
        INSERT INTO tenders AS t (idweb, status, deadline, data, updated_at)
        SELECT k, $2, $3, $4::jsonb, $5 FROM unnest($1::text[]) AS k ORDER BY k
        ON CONFLICT (idweb) DO UPDATE SET status = CASE
                WHEN t.status = 'cancelled' THEN t.status ELSE excluded.status END,
            updated_at = greatest(t.updated_at, excluded.updated_at)
        """,
        sorted(set(keys)), status, tender.deadline, tender.model_dump_json(), at)


async def open_in_sectors(conn: asyncpg.Connection, sectors: Sequence[str], now: datetime,
                          ) -> list[tuple[str, Tender, list[SectorMatch]]]:
    """Open tenders of these sectors, locked against a concurrent cancellation until the
    caller's transaction ends (so that a backfill cannot revive a cancelled tender)."""
    rows = await conn.fetch(
        """
        SELECT idweb, data, matches FROM tenders
        WHERE status = 'open' AND sectors && $1::text[] AND (deadline IS NULL OR deadline > $2)
        ORDER BY idweb FOR SHARE
        """,
        list(sectors), now)
    return [(r["idweb"], Tender.model_validate(as_json(r["data"])), matches_from(r["matches"]))
            for r in rows]


async def open_by_key(conn: asyncpg.Connection, keys: Sequence[str], now: datetime,
                      ) -> list[tuple[str, Tender, list[SectorMatch]]]:
    rows = await conn.fetch(
        """
        SELECT idweb, data, matches FROM tenders
        WHERE idweb = ANY($1::text[]) AND status = 'open' AND (deadline IS NULL OR deadline > $2)
        ORDER BY idweb FOR SHARE
        """,
        list(keys), now)
    return [(r["idweb"], Tender.model_validate(as_json(r["data"])), matches_from(r["matches"]))
            for r in rows]


async def expire_due(conn: asyncpg.Connection, now: datetime, limit: int) -> list[str]:
    """Open tenders whose deadline has passed, marked expired (other replicas skip the
    rows this one holds)."""
    rows = await conn.fetch(
        """
        UPDATE tenders t SET status = 'expired' FROM (
            SELECT idweb FROM tenders WHERE status = 'open' AND deadline < $1
            ORDER BY idweb LIMIT $2 FOR UPDATE SKIP LOCKED
        ) due WHERE t.idweb = due.idweb RETURNING t.idweb
        """,
        now, limit)
    return [r["idweb"] for r in rows]


async def record_award_pairs(conn: asyncpg.Connection, award_idweb: str, buyer_siret: str,
                             winners: Sequence[str]) -> None:
    await conn.execute(
        """
        INSERT INTO award_pairs (idweb, winner_siret, buyer_siret)
        SELECT $1, w, $2 FROM unnest($3::text[]) AS w ON CONFLICT DO NOTHING
        """,
        award_idweb, buyer_siret, sorted(set(winners)))


async def award_pairs(conn: asyncpg.Connection) -> list[tuple[str, str, int]]:
    rows = await conn.fetch(
        "SELECT buyer_siret, winner_siret, count(*) AS n FROM award_pairs"
        " GROUP BY buyer_siret, winner_siret")
    return [(r["buyer_siret"], r["winner_siret"], r["n"]) for r in rows]
