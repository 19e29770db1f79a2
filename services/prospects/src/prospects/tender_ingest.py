"""Loading BOAMP notices: parse, keep what changed, publish through the outbox.

The whole file is one transaction: a file that turns out to be truncated or mis-encoded
halfway leaves nothing behind (no tender, no event). Each tender gets its own span, so the
trace of one tender starts here and follows it through matching and notifications.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from opentelemetry import trace
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common import outbox
from chantiers_common.events import Contract
from chantiers_common.events.prospects import (
    Tender,
    TenderAwarded,
    TenderCancelled,
    TenderUpdated,
)
from chantiers_common.iters import batched

from .boamp import NoticeError, event_for, parse_record
from .db import quarantine, tenders
from .ingest_report import IngestReport
from .replay import replayed

tracer = trace.get_tracer("prospects.ingest")


def fingerprint(tender: Tender) -> str:
    return hashlib.sha256(tender.model_dump_json().encode()).hexdigest()


def raw_json(raw: dict[str, Any]) -> tuple[Any, str]:
    """The raw record as JSONB-safe data (no NUL characters) and its hash."""
    text = json.dumps(raw, ensure_ascii=False, sort_keys=True, default=str).replace("\\u0000", "")
    return json.loads(text), hashlib.sha256(text.encode()).hexdigest()


def event_on_change(tender: Tender) -> type[Contract]:
    """A known notice that changed: cancelled/awarded keep their meaning, else updated."""
    event = event_for(tender)
    return event if event in (TenderCancelled, TenderAwarded) else TenderUpdated


async def ingest_records(
    session: AsyncSession,
    records: Iterable[dict[str, Any]],
    *,
    source: str,
    on_progress: Callable[[int], None] = lambda n: None,
    batch_size: int = 500,
    replay_on: date | None = None,
) -> IngestReport:
    report = IngestReport()
    for chunk in batched(records, batch_size):
        report.read += len(chunk)
        parsed: dict[str, Tender] = {}
        for raw in chunk:
            try:
                tender = parse_record(raw)
            except NoticeError as exc:
                report.quarantine(exc.reason)
                data, digest = raw_json(raw)
                await session.execute(
                    insert(quarantine).values(
                        kind="boamp", source=source, ref=str(raw.get("idweb") or "") or None,
                        reason=str(exc), raw=data, raw_hash=digest,
                    ).on_conflict_do_nothing(index_elements=["raw_hash"])
                )
                continue
            report.valid += 1
            if replay_on is not None:
                tender = replayed(tender, replay_on)
            parsed[tender.idweb] = tender  # a notice repeated in one batch: the last wins
        await _save(session, parsed, source, report)
        on_progress(len(chunk))
    return report


async def _save(
    session: AsyncSession, parsed: dict[str, Tender], source: str, report: IngestReport
) -> None:
    if not parsed:
        return
    known = dict(
        (
            await session.execute(
                select(tenders.c.idweb, tenders.c.fingerprint).where(
                    tenders.c.idweb.in_(list(parsed))
                )
            )
        ).all()
    )
    now = datetime.now(UTC)
    for idweb, tender in parsed.items():
        digest = fingerprint(tender)
        if idweb in known and known[idweb] == digest:
            report.unchanged += 1
            continue
        event = event_for(tender) if idweb not in known else event_on_change(tender)
        if idweb in known:
            report.updated += 1
        else:
            report.new += 1
        values = {
            "nature": tender.nature,
            "title": tender.title,
            "buyer": tender.buyer.name,
            "departments": list(tender.departments),
            "cpv_codes": tender.cpv_codes,
            "published_on": tender.published_on,
            "deadline": tender.deadline,
            "data": tender.model_dump(mode="json"),
            "fingerprint": digest,
            "source": source,
            "updated_at": now,
        }
        await session.execute(
            insert(tenders).values(idweb=idweb, **values)
            .on_conflict_do_update(index_elements=["idweb"], set_=values)
        )
        # One trace per tender: its span is the parent of everything downstream.
        with tracer.start_as_current_span(
            f"ingest tender {idweb}",
            attributes={"tender.idweb": idweb, "event.type": event.event_type},
        ):
            await outbox.add(session, event(tender=tender))
        report.events += 1
