"""Commands the matching service adds to `chantiers`."""

from __future__ import annotations

import typer


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    from . import classify_command, commands

    app.command("leads")(commands.leads)
    classify_command.register(app)
