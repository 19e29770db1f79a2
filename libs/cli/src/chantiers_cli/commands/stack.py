"""`chantiers stack up|down|status`."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from chantiers_common.settings import get_settings

from ..stack import control
from ..stack.processes import StackError

app = typer.Typer(help="The throwaway local stack (RabbitMQ, PostgreSQL, SMTP and trace sinks).",
                  no_args_is_help=True)
console = Console()


@app.command()
def up() -> None:
    """Start RabbitMQ, PostgreSQL and the sinks on loopback (installs Debian packages if
    missing)."""
    try:
        seconds = control.up(get_settings(), say=lambda m: console.print(f"[dim]{m}[/dim]"))
    except StackError as exc:
        console.print(f"[red]stack up failed:[/red] {exc}")
        raise typer.Exit(1) from None
    console.print(f"stack up in {seconds:.1f} s")


@app.command()
def down() -> None:
    """Stop everything the stack started (data stays under .run/)."""
    control.down(get_settings(), say=lambda m: console.print(f"[dim]{m}[/dim]"))
    console.print("stack down")


@app.command()
def status() -> None:
    """Show which parts of the stack run, and where."""
    rows = control.status(get_settings())
    table = Table("component", "address", "state", "where")
    for row in rows:
        table.add_row(row.name, row.address,
                      "[green]running[/green]" if row.running else "[red]stopped[/red]",
                      row.detail)
    console.print(table)
    if not all(r.running for r in rows):
        raise typer.Exit(1)
