"""`chantiers leads`: the best leads, from the matching database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from chantiers_common.oneshot import service_database

from .queries import LeadFilter, LeadPage, find_leads

MIGRATIONS = Path(__file__).parent / "migrations"


async def _leads(f: LeadFilter, limit: int) -> LeadPage:
    async with service_database("matching", MIGRATIONS) as shot, shot.sessions() as session:
        return await find_leads(session, f, now=datetime.now(UTC), limit=limit)


def leads(
    siret: str = typer.Option(None, "--siret", help="Only this structure's leads"),
    kind: str = typer.Option(None, "--kind", help="tender, award or company"),
    min_score: int = typer.Option(None, "--min-score", min=0, max=100),
    all_: bool = typer.Option(False, "--all", help="Include withdrawn and past-deadline leads"),
    limit: int = typer.Option(20, "--limit", min=1),
    as_json: bool = typer.Option(False, "--json", help="One JSON lead per line, with reasons"),
) -> None:
    """Show the best leads (score and reasons), best first."""
    if siret is not None and not (len(siret) == 14 and siret.isdigit()):
        typer.echo("--siret must be 14 digits", err=True)
        raise typer.Exit(2)
    page = asyncio.run(_leads(LeadFilter(siret, kind, min_score, not all_), limit))
    if as_json:
        for lead in page.items:
            typer.echo(lead.model_dump_json())
        return
    table = Table("score", "structure", "kind", "prospect", "why", title=f"{page.total} leads")
    for lead in page.items:
        table.add_row(str(lead.score), lead.structure_siret, lead.kind.value,
                      f"{lead.title[:60]}\n[dim]{lead.counterpart}[/dim]",
                      "\n".join(lead.reasons[:4]))
    Console().print(table)
