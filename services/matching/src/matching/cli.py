"""Commands the matching service adds to `chantiers`."""

from __future__ import annotations

import typer


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    from . import commands

    app.command("leads")(commands.leads)
