"""`chantiers structures token SIRET`: issue a structure token from the command line.

For operators with access to the service's database (the same power as the admin token).
The token is printed once on stdout; only its sha256 is stored, and the issue is audited
(``admin.action`` with token id ``cli``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from rich.console import Console

from chantiers_common.oneshot import publish_pending, service_database

from . import token_store
from .errors import NotFound
from .tokens import IssuedToken, Principal
from .validation import FieldError, check_siret

MIGRATIONS = Path(__file__).parent / "migrations"
CLI = Principal(token_id="cli", siret=None)
err = Console(stderr=True)


async def _issue(siret: str, label: str | None) -> IssuedToken:
    async with service_database("structures", MIGRATIONS) as shot:
        async with shot.sessions.begin() as session:
            issued = await token_store.issue(session, CLI, siret, label)
        try:
            await publish_pending(shot)
        except Exception as exc:  # the audit event waits in the outbox
            err.print(f"[yellow]audit event not published yet ({exc})[/yellow]")
    return issued


def issue_token(
    siret: str = typer.Argument(..., help="SIRET of the structure"),
    label: str = typer.Option(None, "--label", help="Who or what the token is for"),
) -> None:
    """Issue a token that reads and writes one structure only (printed once)."""
    try:
        siret = check_siret(siret)
        issued = asyncio.run(_issue(siret, label))
    except FieldError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    except NotFound as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from None
    err.print(f"token {issued.id} issued for {siret}; it is shown only once:")
    print(issued.token)
