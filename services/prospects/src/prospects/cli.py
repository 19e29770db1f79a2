"""Commands the prospects service adds to `chantiers`."""

from __future__ import annotations

import typer


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    from . import commands

    groups["ingest"].command("boamp")(commands.ingest_boamp)
