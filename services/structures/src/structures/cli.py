"""Commands the structures service adds to `chantiers`."""

from __future__ import annotations

import typer


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    from . import commands, token_command

    groups["ingest"].command("siae")(commands.ingest_siae)
    structures = groups.setdefault(
        "structures", typer.Typer(help="The SIAE registry (structures service).",
                                  no_args_is_help=True))
    structures.command("token")(token_command.issue_token)
