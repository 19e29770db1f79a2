"""The company loads behind the commands: a SIRENE file, or the Recherche d'entreprises
API, into ``companies`` in one transaction, then the events published."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

from chantiers_common.events.prospects import Company
from chantiers_common.oneshot import OneShot, publish_pending, service_database
from chantiers_common.settings import Settings

from .commands import MIGRATIONS
from .company_events import copy_row
from .company_ingest import ingest_establishments
from .defaults import (
    DEFAULT_DELTA_THRESHOLD,
    DEFAULT_EVENT_SIZE,
    ENTREPRISES_API_URL,
    LOAD_BATCH_SIZE,
    PUBLISH_BATCH,
)
from .entreprises import RechercheEntreprisesClient
from .ingest_report import IngestReport
from .sirene import EstablishmentBatch, SireneStats, read_establishments


async def publish(shot: OneShot) -> tuple[int | None, str | None]:
    """Publish what the load queued; (count, None), or (None, why) when the broker is
    unreachable: the events wait in the outbox for the service's relay."""
    try:
        return await publish_pending(shot, batch_size=PUBLISH_BATCH), None
    except Exception as exc:
        return None, str(exc)


async def load_sirene(
    path: Path,
    *,
    include_closed: bool = False,
    unite_legale: Path | None = None,
    delta_threshold: int = DEFAULT_DELTA_THRESHOLD,
    event_size: int = DEFAULT_EVENT_SIZE,
    settings: Settings | None = None,
    on_progress: Callable[[int], None] = lambda n: None,
    publish_events: bool = True,
    batch_size: int = LOAD_BATCH_SIZE,
) -> tuple[IngestReport, int | None, str | None]:
    """The whole command: one transaction for the file, then publish. Raises
    ``SireneFileError`` (nothing committed) for a file that cannot be read whole."""
    async with service_database("prospects", MIGRATIONS, settings) as shot:
        batches = read_establishments(
            path, include_closed=include_closed, unite_legale=unite_legale,
            batch_size=batch_size,
        )
        started = time.perf_counter()
        with contextlib.closing(batches):
            async with shot.sessions.begin() as session:
                report = await ingest_establishments(
                    session, batches, source=path.name, delta_threshold=delta_threshold,
                    event_size=event_size, on_progress=on_progress,
                )
        report.seconds["load"] = time.perf_counter() - started  # committed
        published, problem = None, None
        if publish_events:
            started = time.perf_counter()
            published, problem = await publish(shot)
            report.seconds["publish"] = time.perf_counter() - started
    return report, published, problem


def companies_batch(companies: list[Company]) -> EstablishmentBatch:
    """Companies from an API as one batch of the SIRENE load."""
    stats = SireneStats(read=len(companies), kept=len(companies))
    for company in companies:
        stats.location[company.location_source or "none"] += 1
    return EstablishmentBatch.from_rows([copy_row(company) for company in companies], stats)


async def load_entreprises(
    naf: str, department: str, *, include_closed: bool = False,
    base_url: str = ENTREPRISES_API_URL, settings: Settings | None = None,
    client: RechercheEntreprisesClient | None = None,
    on_progress: Callable[[int], None] = lambda n: None,
) -> tuple[IngestReport, int | None, str | None]:
    """Fetch every establishment first (nothing is written if the API fails), then load
    them as a file: under the delta threshold (always, in practice: the API serves at
    most 10,000 companies a query), one event per new, changed or closed company."""
    async with contextlib.AsyncExitStack() as stack:
        api = client or await stack.enter_async_context(RechercheEntreprisesClient(base_url))
        found = []
        async for company in api.companies(naf, department, include_closed=include_closed):
            found.append(company)
            on_progress(1)
    async with service_database("prospects", MIGRATIONS, settings) as shot:
        async with shot.sessions.begin() as session:
            report = await ingest_establishments(
                session, iter([companies_batch(found)]),
                source=f"recherche-entreprises {naf} {department}",
            )
        published, problem = await publish(shot)
    if api.truncated:
        report.notes["results beyond the API's 10,000 (not fetched)"] = 1
    report.notes["API requests"] = api.requests
    if api.throttled:
        report.notes["API answers 429 (waited as asked)"] = api.throttled
    return report, published, problem
