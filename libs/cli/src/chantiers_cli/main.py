"""`chantiers`: the operator CLI.

The stack, service and demo commands live here; each service adds its own commands
(``ingest <kind>``, ``leads``, ``classify``…) through the ``chantiers.cli`` entry point,
so that this package never imports a service's code and services never import each other.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

import typer

from .commands import demo, dlq, run, stack
from .groups import GROUPS, app


def _load_plugins() -> None:
    for entry in entry_points(group="chantiers.cli"):
        try:
            entry.load()(app, GROUPS)
        except ImportError as exc:
            # One broken service must not take the operator's other commands away.
            typer.echo(f"warning: commands of {entry.name} unavailable: {exc}", err=True)


app.add_typer(stack.app, name="stack")
run.register(app)
demo.register(app)
dlq.register(app, GROUPS)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _load_plugins()
    for name, group in GROUPS.items():
        app.add_typer(group, name=name)
    app()


__all__ = ["app", "main", "typer"]
