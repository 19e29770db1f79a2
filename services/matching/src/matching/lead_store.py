"""Writing leads and their events, set-based, in the caller's transaction.

One statement upserts a batch of leads and queues their events in the outbox:

- a new lead is inserted with version 1 (``lead.scored``);
- an existing lead gets ``version = version + 1`` only when its fingerprint (score and
  reasons) changed or it was withdrawn (``lead.updated``); otherwise nothing is written
  and nothing published. The row lock taken by the upsert serializes two writers of the
  same lead (two replicas, or a handler and a backfill): versions strictly increase and
  each event carries the version the database gave it.
- rows are locked in id order, so that two batches never wait for each other in a cycle.

The event bodies are built by PostgreSQL from the stored lead (``Envelope`` of
``LeadScored``/``LeadUpdated``/``LeadWithdrawn``, field for field; the tests parse them
with the contracts).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

import asyncpg
from prometheus_client import Counter as PromCounter

from chantiers_common.events import Envelope
from chantiers_common.events.matching import LeadScored, LeadUpdated, LeadWithdrawn
from chantiers_common.outbox import current_trace_headers

from .leads import ScoredLead

LEAD_EVENTS = PromCounter("chantiers_lead_events_total", "Lead events written",
                          ["kind", "event"])

PRODUCER = LeadScored.producer
assert LeadScored.version == LeadUpdated.version == LeadWithdrawn.version
assert list(Envelope.model_fields) == ["id", "type", "version", "occurred_at", "producer",
                                       "data"], "Envelope changed: update the SQL below"


def _envelope(event_type: str, data: str) -> str:
    return (f"json_build_object('id', e.event_id, 'type', {event_type}, 'version', "
            f"{LeadScored.version}, 'occurred_at', now(), 'producer', '{PRODUCER}', "
            f"'data', {data})::text")


# ``headers``: the trace context of the event each lead came from, for its own event.
_COLUMNS = ("id", "structure_siret", "kind", "prospect_ref", "score", "fingerprint", "data",
            "activity_id", "sector", "naf", "department", "counterpart_siret", "headers")
_TYPES = {"score": "int"}
Row = tuple[object, ...]


def leads_cte(first: int, gate: str = "TRUE") -> str:
    """The CTEs that upsert a batch of leads and queue their events (parameters numbered
    from ``first``: the arrays of :func:`columns` of :func:`lead_rows`). ``gate``: an SQL
    condition on the input row (columns of ``_COLUMNS``), false to write nothing (another
    CTE of the same statement decides). The caller selects from ``e`` (kind, event_type of
    each event)."""
    arrays = ", ".join(f"${first + i}::{_TYPES.get(name, 'text')}[]"
                       for i, name in enumerate(_COLUMNS))
    return f"""
input AS (
    SELECT * FROM unnest({arrays}) AS t({", ".join(_COLUMNS)})
    WHERE {gate}
    ORDER BY id
),
up AS (
    INSERT INTO leads AS l (id, structure_siret, kind, prospect_ref, version, score, status,
                            data, fingerprint, activity_id, sector, naf, department,
                            counterpart_siret, created_at, updated_at)
    SELECT id, structure_siret, kind, prospect_ref, 1, score, 'active', data::jsonb,
           fingerprint, activity_id, sector, naf, department, counterpart_siret, now(), now()
    FROM input
    ON CONFLICT (id) DO UPDATE SET
        version = l.version + 1,
        score = excluded.score,
        status = 'active',
        data = jsonb_set(excluded.data, '{{version}}', to_jsonb(l.version + 1)),
        fingerprint = excluded.fingerprint,
        activity_id = excluded.activity_id,
        sector = excluded.sector,
        naf = excluded.naf,
        department = excluded.department,
        counterpart_siret = excluded.counterpart_siret,
        updated_at = now()
    WHERE l.fingerprint IS DISTINCT FROM excluded.fingerprint OR l.status <> 'active'
    RETURNING l.id, l.kind, l.data, (l.xmax = 0) AS inserted
),
e AS (
    SELECT gen_random_uuid() AS event_id, up.kind, up.data, input.headers,
           CASE WHEN inserted THEN 'lead.scored' ELSE 'lead.updated' END AS event_type
    FROM up JOIN input ON input.id = up.id
),
queued AS (
    INSERT INTO outbox (event_id, event_type, version, routing_key, body, headers)
    SELECT e.event_id, e.event_type, {LeadScored.version}, '{PRODUCER}.' || e.event_type,
           {_envelope("e.event_type", "json_build_object('lead', e.data)")},
           e.headers::jsonb
    FROM e
)"""


def lead_rows(leads: Sequence[ScoredLead]) -> list[Row]:
    """The input rows of :func:`leads_cte`, with the trace headers of the current context."""
    headers = json.dumps(current_trace_headers())
    return [(s.data["id"], s.data["structure_siret"], s.data["kind"], s.data["prospect_ref"],
             s.data["score"], s.fingerprint, json.dumps(s.data, ensure_ascii=False),
             s.activity_id, s.data["sector"], s.naf, s.department,
             s.data["counterpart_siret"], headers) for s in leads]


def columns(rows: Sequence[Row], width: int = len(_COLUMNS)) -> list[list[object]]:
    """Rows as one array per column (the parameters of an ``unnest``; by default those of
    :func:`leads_cte`)."""
    return list(map(list, zip(*rows, strict=True))) if rows else [[] for _ in range(width)]


_SAVE = f"WITH {leads_cte(1)}\nSELECT kind, event_type FROM e"


async def save_leads(conn: asyncpg.Connection, leads: Sequence[ScoredLead]) -> Counter[str]:
    """Upsert the leads; returns how many events of each type were queued."""
    if not leads:
        return Counter()
    return count_events(await conn.fetch(_SAVE, *columns(lead_rows(leads))))


_WITHDRAW = f"""
WITH target AS (
    SELECT id FROM leads WHERE status = 'active' AND ({{where}}) ORDER BY id FOR UPDATE
),
w AS (
    UPDATE leads l SET status = 'withdrawn', version = l.version + 1,
        data = jsonb_set(l.data, '{{{{version}}}}', to_jsonb(l.version + 1)),
        updated_at = now()
    FROM target WHERE l.id = target.id AND l.status = 'active'
    RETURNING l.kind, l.data
),
e AS (
    SELECT gen_random_uuid() AS event_id, kind, data, 'lead.withdrawn' AS event_type FROM w
),
queued AS (
    INSERT INTO outbox (event_id, event_type, version, routing_key, body, headers)
    SELECT e.event_id, e.event_type, {LeadWithdrawn.version}, '{PRODUCER}.lead.withdrawn',
           {_envelope("e.event_type",
                      "json_build_object('lead', e.data, 'reason', $1::text)")},
           $2::jsonb
    FROM e
)
SELECT kind, event_type FROM e
"""


async def withdraw(conn: asyncpg.Connection, where: str, *params: object, reason: str,
                   ) -> Counter[str]:
    """Withdraw the active leads matching ``where`` (SQL on ``leads``, its parameters
    numbered from $3), with the reason people will read."""
    written = await conn.fetch(_WITHDRAW.format(where=where), reason,
                               json.dumps(current_trace_headers()), *params)
    return count_events(written)


def count_events(rows: Sequence[asyncpg.Record]) -> Counter[str]:
    """Count (and export as metrics) the events of rows (kind, event_type)."""
    counts: Counter[str] = Counter()
    for row in rows:
        LEAD_EVENTS.labels(row["kind"], row["event_type"]).inc()
        counts[row["event_type"]] += 1
    return counts
