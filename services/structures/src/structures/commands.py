"""`chantiers ingest siae PATH`: import the SIAE registry (idempotent)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chantiers_common.oneshot import publish_pending, service_database

from .importer import ImportReport, import_records
from .siae_file import RejectedRecord, SiaeRecord, parse_siae_file

MIGRATIONS = Path(__file__).parent / "migrations"
err = Console(stderr=True)


class SiaeFileError(ValueError):
    pass


# The whole registry (3,853 structures) is 3 MB: a file twenty times larger is not one,
# and reading it whole would cost memory for nothing.
MAX_FILE_BYTES = 64 * 2**20


def read_file(path: Path, report: ImportReport) -> list[SiaeRecord]:
    """Parse the whole file before touching the database: a bad file imports nothing."""

    def rejected(record: RejectedRecord) -> None:
        report.rejected += 1
        report.reasons[f"{record.field}: {record.code}"] += 1

    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SiaeFileError(f"fichier de {size // 2**20} Mo : un export du registre en fait "
                            f"quelques-uns (limite {MAX_FILE_BYTES // 2**20} Mo)")
    try:
        return list(parse_siae_file(path, on_reject=rejected))
    except UnicodeDecodeError as exc:
        raise SiaeFileError(f"not UTF-8 text (byte {exc.start}): {exc.reason}") from None
    except json.JSONDecodeError as exc:
        raise SiaeFileError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: "
                            f"{exc.msg}") from None
    except (TypeError, KeyError, AttributeError) as exc:
        raise SiaeFileError("not a list of le marché SIAE records (expected "
                            f'[{{"pk": …, "fields": {{…}}}}, …]): {exc!r}') from None


async def _ingest(path: Path, demo_contacts: bool,
                  ) -> tuple[ImportReport, int | None, str | None]:
    report = ImportReport()
    records = read_file(path, report)
    report.read = 0  # counted again as records are imported
    async with service_database("structures", MIGRATIONS) as shot:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True) as progress:
            task = progress.add_task(f"SIAE {path.name}", total=len(records))
            async with shot.sessions.begin() as session:
                await import_records(session, records,
                                     demo_contacts=demo_contacts, report=report,
                                     on_progress=lambda n: progress.advance(task, n))
        try:
            published = await publish_pending(shot)
        except Exception as exc:  # the broker may be down: events wait in the outbox
            return report, None, str(exc)
    return report, published, None


def ingest_siae(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                help="The SIAE registry (le marché's 01_siaes.json fixture)"),
    demo_contacts: bool = typer.Option(
        False, "--demo-contacts",
        help="Subscribe each structure's address from the file (fake addresses): demos only"),
) -> None:
    """Import SIAE structures with suggested activities; publish what changed."""
    try:
        report, published, problem = asyncio.run(_ingest(path, demo_contacts))
    except SiaeFileError as exc:
        err.print(f"[red]error:[/red] {path}: {exc}\nNothing was imported.")
        raise typer.Exit(1) from None
    table = Table(title=path.name, show_header=False, min_width=44)
    for key in ("read", "new", "updated", "unchanged", "rejected", "activities", "contacts",
                "events"):
        table.add_row(key, str(getattr(report, key)))
    for reason, count in report.reasons.most_common(5):
        table.add_row(f"  rejected: {reason}", str(count))
    err.print(table)
    if problem:
        err.print(f"[yellow]events not published yet ({problem}); they wait in the outbox."
                  "[/yellow]")
    else:
        err.print(f"{published} event(s) published")
