"""`chantiers demo`: the main job (written once the services exist)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    pass
