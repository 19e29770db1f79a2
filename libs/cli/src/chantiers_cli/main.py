"""`chantiers`: the operator CLI.

The stack, service and demo commands live here; each service adds its own commands
(``ingest <kind>``, ``leads``, ``classify``…) through the ``chantiers.cli`` entry point,
so that this package never imports a service's code and services never import each other.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

import typer

from chantiers_common.settings import get_settings

from .commands import demo, dlq, run, stack
from .groups import GROUPS, app
from .stack import secrets
from .stack.layout import StackLayout


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
    # The local stack's secrets, for this command and every service it starts.
    settings = get_settings()
    secrets.export(StackLayout.from_settings(settings).secrets_file)
    get_settings.cache_clear()
    _load_plugins()
    for name, group in GROUPS.items():
        app.add_typer(group, name=name)
    app()


__all__ = ["app", "main", "typer"]
