"""Wiring of the structures service (entry point: ``chantiers run structures``)."""

from __future__ import annotations

from pathlib import Path

from chantiers_common.service import ServiceSpec, build_app

from . import api, counters
from .handlers import BINDINGS, HANDLERS

SERVICE = "structures"
MIGRATIONS = Path(__file__).parent / "migrations"

spec = ServiceSpec(
    name=SERVICE,
    migrations=MIGRATIONS,
    description="Registry of SIAE (ACIs first): activities, areas, staff contacts.",
    # Structures owns its data; the one event it consumes is an unsubscription made
    # through notifications' one-click link.
    consumer_bindings=BINDINGS,
    handlers=HANDLERS,
    routers=[api.router],
    counters=counters.counts,
    required_secrets=("admin_token",),
)

app = build_app(spec)
