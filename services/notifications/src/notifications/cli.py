"""Commands the notifications service adds to `chantiers`."""

from __future__ import annotations

import typer


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    from . import commands

    notify = typer.Typer(help="Alerts and digests.", no_args_is_help=True)
    notify.command("digests")(commands.digests)
    app.add_typer(notify, name="notify")
