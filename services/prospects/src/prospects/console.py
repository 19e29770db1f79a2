"""What the ingest commands show an operator: a progress bar and the closing report,
on stderr (so that ``--json`` output stays clean)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from .ingest_report import IngestReport

err = Console(stderr=True)


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.0f}/s" if task.speed else "")


def progress_bar(total: int | None = None) -> Progress:
    """Records done (of about ``total`` when known), the rate and the time; on stderr, so
    that --json output stays clean, and gone once finished."""
    done = "{task.completed:,.0f}" + (f" / ~{total:,}" if total else "") + " records"
    columns: list[ProgressColumn] = [
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn(done),
        _Rate(), TimeElapsedColumn(),
    ]
    if total:
        columns.append(TimeRemainingColumn())
    return Progress(*columns, console=err, transient=True)


def print_report(report: IngestReport, title: str) -> None:
    table = Table(title=title, show_header=False, min_width=44)
    for key in ("read", "valid", "new", "updated", "unchanged", "quarantined", "events"):
        table.add_row(key, f"{getattr(report, key):,}")
    for reason, count in report.reasons.most_common(5):
        table.add_row(f"  quarantined: {reason}", f"{count:,}")
    for example in report.examples[:5]:
        table.add_row(f"  e.g. {example}", "")
    for note, count in sorted(report.notes.items()):
        table.add_row(note, f"{count:,}")
    if load := report.seconds.get("load"):
        table.add_row("load time", f"{load:,.1f} s ({report.read / load:,.0f} rows/s)")
    if "publish" in report.seconds:
        table.add_row("publish time", f"{report.seconds['publish']:,.1f} s")
    err.print(table)


def end_of_load(report: IngestReport, title: str, published: int | None,
                problem: str | None) -> None:
    print_report(report, title)
    if problem:
        err.print(f"[yellow]events not published yet ({problem}); they wait in the outbox "
                  "and the prospects service will publish them.[/yellow]")
    else:
        err.print(f"{published} event(s) published")
