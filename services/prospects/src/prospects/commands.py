"""`chantiers ingest boamp PATH` (or check a file with --dry-run) and
`chantiers ingest boamp-live --since DATE`: load BOAMP notices, publish tender events."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typer

from chantiers_common.oneshot import publish_pending, service_database
from chantiers_common.settings import Settings

from .boamp import BoampFileError, NoticeError, dry_run_line, parse_record, read_records
from .boamp.live import DEFAULT_BASE_URL, BoampApiError, BoampClient
from .console import end_of_load, err, print_report, progress_bar
from .ingest_report import IngestReport
from .tender_ingest import ingest_records

MIGRATIONS = Path(__file__).parent / "migrations"
PARIS = ZoneInfo("Europe/Paris")
# Notices pulled from the API are loaded by chunks (a day is about 340 of them).
LIVE_CHUNK = 500


def _dry_run(path: Path, as_json: bool) -> IngestReport:
    report = IngestReport()
    for raw in read_records(path):
        report.read += 1
        try:
            tender = parse_record(raw)
        except NoticeError as exc:
            report.quarantine(exc.reason)
            err.print(f"[yellow]quarantined[/yellow] {raw.get('idweb')}: {exc}")
            continue
        report.valid += 1
        line = dry_run_line(tender)
        if as_json:
            sys.stdout.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
        else:
            err.print(f"{line['idweb']}  {line['event']:<17} {tender.title[:70]}")
    return report


async def load_boamp(
    path: Path, replay_on: date | None = None, settings: Settings | None = None,
    on_progress: Callable[[int], None] = lambda n: None,
) -> tuple[IngestReport, int | None, str | None]:
    """The whole command: one transaction for the file, then publish. Raises
    ``BoampFileError`` (nothing committed) for a file that cannot be read whole."""
    async with service_database("prospects", MIGRATIONS, settings) as shot:
        async with shot.sessions.begin() as session:
            report = await ingest_records(
                session, read_records(path), source=path.name, on_progress=on_progress,
                replay_on=replay_on,
            )
        try:
            published = await publish_pending(shot)
        except Exception as exc:  # the broker may be down: events wait in the outbox
            return report, None, str(exc)
    return report, published, None


async def load_boamp_live(
    since: date, until: date | None, *, base_url: str = DEFAULT_BASE_URL,
    settings: Settings | None = None, client: BoampClient | None = None,
    on_progress: Callable[[int], None] = lambda n: None,
) -> tuple[IngestReport, int | None, str | None]:
    """Notices published from ``since`` to ``until`` pulled from the open-data API and
    loaded as a file would be: one transaction for the whole pull, so that a pull that
    fails halfway (``BoampApiError``) loads nothing and can simply be run again."""
    source = f"boamp-api {since.isoformat()}..{until.isoformat() if until else 'today'}"
    report = IngestReport()
    async with service_database("prospects", MIGRATIONS, settings) as shot:
        async with contextlib.AsyncExitStack() as stack:
            api = client or await stack.enter_async_context(BoampClient(base_url))
            async with shot.sessions.begin() as session:
                chunk: list[dict[str, Any]] = []
                async for record in api.notices_since(since, until):
                    chunk.append(record)
                    if len(chunk) == LIVE_CHUNK:
                        report += await ingest_records(session, chunk, source=source,
                                                       on_progress=on_progress)
                        chunk = []
                if chunk:
                    report += await ingest_records(session, chunk, source=source,
                                                   on_progress=on_progress)
        try:
            published = await publish_pending(shot)
        except Exception as exc:
            return report, None, str(exc)
    return report, published, None


def ingest_boamp(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                help="ODS v2.1 page, JSON array or JSON lines of notices"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Parse only; needs no running stack"),
    as_json: bool = typer.Option(False, "--json", help="With --dry-run: one tender per line"),
    replay_today: bool = typer.Option(
        False, "--replay-today",
        help="Re-date old notices as published today (deadlines moved alike): for demos"),
) -> None:
    """Load BOAMP notices into prospects and publish tender events."""
    try:
        if dry_run:
            report = _dry_run(path, as_json)
            print_report(report, f"{path.name} (dry run)")
            return
        replay_on = datetime.now(PARIS).date() if replay_today else None
        with progress_bar() as progress:
            task = progress.add_task(f"BOAMP {path.name}", total=None)
            report, published, problem = asyncio.run(load_boamp(
                path, replay_on, on_progress=lambda n: progress.advance(task, n)))
    except BoampFileError as exc:
        err.print(f"[red]error:[/red] {path}: {exc}\nNothing was loaded.")
        raise typer.Exit(1) from None
    end_of_load(report, path.name, published, problem)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)",
                                 param_hint=option) from None


def ingest_boamp_live(
    since: str = typer.Option(..., "--since", help="First publication day, YYYY-MM-DD"),
    until: str | None = typer.Option(
        None, "--until", help="Last publication day, YYYY-MM-DD (default: today)"),
    api_url: str = typer.Option(
        DEFAULT_BASE_URL, "--api-url", envvar="CHANTIERS_BOAMP_API_URL",
        help="BOAMP open-data records endpoint (opendatasoft v2.1)"),
) -> None:
    """Pull new BOAMP notices from the open-data API and load them like a file."""
    first = _day(since, "--since")
    last = _day(until, "--until") if until else None
    if last is not None and last < first:
        raise typer.BadParameter(f"{until} is before --since {since}", param_hint="--until")
    try:
        with progress_bar() as progress:
            task = progress.add_task(f"BOAMP API since {first}", total=None)
            report, published, problem = asyncio.run(load_boamp_live(
                first, last, base_url=api_url,
                on_progress=lambda n: progress.advance(task, n)))
    except BoampApiError as exc:
        err.print(f"[red]error:[/red] BOAMP API ({api_url}): {exc}\nNothing was loaded.")
        raise typer.Exit(1) from None
    end_of_load(report, f"BOAMP API {first} → {last or 'today'}", published, problem)
