"""The command groups that several packages add commands to."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Chantiers agiles: leads for ACIs from public tenders and companies.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

# Sub-commands are added by the services' plugins: `ingest boamp` by prospects,
# `ingest siae` by structures, …
GROUPS: dict[str, typer.Typer] = {
    "ingest": typer.Typer(help="Load a data file into the service that owns it.",
                          no_args_is_help=True),
}
