"""Wiring of the matching service (entry point: ``chantiers run matching``)."""

from __future__ import annotations

from pathlib import Path

from chantiers_common.service import ServiceSpec, build_app

from . import api, counters
from .handlers import BINDINGS, HANDLERS

SERVICE = "matching"

spec = ServiceSpec(
    name=SERVICE,
    migrations=Path(__file__).parent / "migrations",
    description="Turns tenders, awards and companies into scored, explained leads for ACIs.",
    consumer_bindings=BINDINGS,
    handlers=HANDLERS,
    routers=[api.router],
    counters=counters.counts,
)

app = build_app(spec)
