"""Commands the prospects service adds to `chantiers`."""

from __future__ import annotations

import typer


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    from . import commands, company_commands

    groups["ingest"].command("boamp")(commands.ingest_boamp)
    groups["ingest"].command("boamp-live")(commands.ingest_boamp_live)
    groups["ingest"].command("sirene")(company_commands.ingest_sirene)
    groups["ingest"].command("entreprises")(company_commands.ingest_entreprises)
