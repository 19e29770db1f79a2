"""Commands the structures service adds to `chantiers`."""

from __future__ import annotations

import typer


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    from . import commands

    groups["ingest"].command("siae")(commands.ingest_siae)
