"""`chantiers ingest boamp PATH`: load BOAMP notices (or check them with --dry-run)."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from chantiers_common.oneshot import publish_pending, service_database

from .boamp import BoampFileError, NoticeError, dry_run_line, parse_record, read_records
from .ingest_report import IngestReport
from .tender_ingest import ingest_records

MIGRATIONS = Path(__file__).parent / "migrations"
err = Console(stderr=True)
PARIS = ZoneInfo("Europe/Paris")


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                    TextColumn("{task.completed} records"), TimeElapsedColumn(), console=err,
                    transient=True)


def print_report(report: IngestReport, title: str) -> None:
    table = Table(title=title, show_header=False, min_width=44)
    for key in ("read", "valid", "new", "updated", "unchanged", "quarantined", "events"):
        table.add_row(key, str(getattr(report, key)))
    for reason, count in report.reasons.most_common(5):
        table.add_row(f"  quarantined: {reason}", str(count))
    err.print(table)


def _dry_run(path: Path, as_json: bool) -> IngestReport:
    report = IngestReport()
    for raw in read_records(path):
        report.read += 1
        try:
            tender = parse_record(raw)
        except NoticeError as exc:
            report.quarantine(str(exc))
            err.print(f"[yellow]quarantined[/yellow] {raw.get('idweb')}: {exc}")
            continue
        report.valid += 1
        line = dry_run_line(tender)
        if as_json:
            sys.stdout.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
        else:
            err.print(f"{line['idweb']}  {line['event']:<17} {tender.title[:70]}")
    return report


async def _ingest(path: Path, replay_on: date | None,
                  ) -> tuple[IngestReport, int | None, str | None]:
    async with service_database("prospects", MIGRATIONS) as shot:
        with _progress() as progress:
            task = progress.add_task(f"BOAMP {path.name}", total=None)
            async with shot.sessions.begin() as session:
                report = await ingest_records(
                    session, read_records(path), source=path.name,
                    on_progress=lambda n: progress.advance(task, n), replay_on=replay_on,
                )
        try:
            published = await publish_pending(shot)
        except Exception as exc:  # the broker may be down: events wait in the outbox
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
        report, published, problem = asyncio.run(_ingest(path, replay_on))
    except BoampFileError as exc:
        err.print(f"[red]error:[/red] {path}: {exc}\nNothing was loaded.")
        raise typer.Exit(1) from None
    print_report(report, path.name)
    if problem:
        err.print(f"[yellow]events not published yet ({problem}); they wait in the outbox "
                  "and the prospects service will publish them.[/yellow]")
    else:
        err.print(f"{published} event(s) published")
