"""`chantiers ingest sirene PATH` and `chantiers ingest entreprises --naf --department`:
load establishments (from a SIRENE file, or the "Recherche d'entreprises" API) and
publish company events. The work is in ``company_loads``, imported when a command runs."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from .console import end_of_load, err, progress_bar
from .defaults import (
    API_DEPARTMENT,
    DEFAULT_DELTA_THRESHOLD,
    DEFAULT_EVENT_SIZE,
    ENTREPRISES_API_URL,
    NAF_CODE,
)


def ingest_sirene(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                help="StockEtablissement CSV (plain, .zip or .gz)"),
    include_closed: bool = typer.Option(
        False, "--all", help="Keep closed establishments too (published as company.closed)"),
    unite_legale: Path | None = typer.Option(
        None, "--unite-legale", exists=True, dir_okay=False, readable=True,
        help="StockUniteLegale CSV to join: company category, ESS, société à mission"),
    delta_threshold: int = typer.Option(
        DEFAULT_DELTA_THRESHOLD, "--delta-threshold", min=0,
        help="Files with fewer rows publish an event per new, changed or closed company; "
             "larger ones publish companies.bulk_loaded events (0: always bulk). The rows "
             "under the threshold are held in memory while deciding."),
    event_size: int = typer.Option(
        DEFAULT_EVENT_SIZE, "--event-size", min=1, max=20_000,
        help="Companies per companies.bulk_loaded event"),
) -> None:
    """Load SIRENE establishments into prospects and publish company events."""
    from chantiers_common.db import DatabaseUnavailable

    from .company_loads import load_sirene
    from .sirene import SireneFileError
    from .sirene.reader import estimated_rows

    total = estimated_rows(path)
    with progress_bar(total) as progress:
        task = progress.add_task(f"SIRENE {path.name}", total=total)
        try:
            report, published, problem = asyncio.run(load_sirene(
                path, include_closed=include_closed, unite_legale=unite_legale,
                delta_threshold=delta_threshold, event_size=event_size,
                on_progress=lambda n: progress.advance(task, n),
            ))
        except SireneFileError as exc:
            progress.stop()
            err.print(f"[red]error:[/red] {path}: {exc}\nNothing was loaded.")
            raise typer.Exit(1) from None
        except DatabaseUnavailable as exc:
            progress.stop()
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(1) from None
    mode = "bulk: companies.bulk_loaded" if report.mode == "bulk" else "delta: event per company"
    end_of_load(report, f"{path.name} ({mode})", published, problem)


def ingest_entreprises(
    naf: str = typer.Option(..., "--naf", help="NAF rev2 code of the companies, e.g. 81.30Z"),
    department: str = typer.Option(..., "--department", help="Department, e.g. 69"),
    include_closed: bool = typer.Option(False, "--all", help="Keep closed establishments"),
    api_url: str = typer.Option(
        ENTREPRISES_API_URL, "--api-url", envvar="CHANTIERS_ENTREPRISES_API_URL",
        help="Recherche d'entreprises API"),
) -> None:
    """Fetch companies by activity and department from the Recherche d'entreprises API."""
    if not NAF_CODE.match(naf):
        raise typer.BadParameter(f"{naf!r} is not a NAF rev2 code (e.g. 81.30Z)",
                                 param_hint="--naf")
    if not API_DEPARTMENT.match(department):
        raise typer.BadParameter(f"{department!r} is not a department (e.g. 69, 2A, 974)",
                                 param_hint="--department")
    from .company_loads import load_entreprises
    from .entreprises import EntreprisesApiError

    try:
        with progress_bar() as progress:
            task = progress.add_task(f"API {naf} in {department}", total=None)
            report, published, problem = asyncio.run(load_entreprises(
                naf, department, include_closed=include_closed, base_url=api_url,
                on_progress=lambda n: progress.advance(task, n)))
    except EntreprisesApiError as exc:
        err.print(f"[red]error:[/red] Recherche d'entreprises ({api_url}): {exc}\n"
                  "Nothing was loaded.")
        raise typer.Exit(1) from None
    end_of_load(report, f"Recherche d'entreprises {naf} {department}", published, problem)
