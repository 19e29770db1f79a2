"""Wiring of the matching service (entry point: ``chantiers run matching``)."""

from __future__ import annotations

from pathlib import Path

from chantiers_common.service import ServiceSpec, build_app

from . import api, counters, loops
from .handlers import BINDINGS, Handlers
from .state import MatchingState

SERVICE = "matching"

state = MatchingState()

spec = ServiceSpec(
    name=SERVICE,
    migrations=Path(__file__).parent / "migrations",
    description="Turns tenders, awards and companies into scored, explained leads for ACIs.",
    consumer_bindings=BINDINGS,
    handlers=Handlers(state).table(),
    routers=[api.router],
    counters=counters.counts,
    background=[loops.backfill_loop(state), loops.deadline_sweep],
    # The API's admin token (the one structures checks too): without it, only structure
    # tokens would open the API, and the operators' tools could not read it.
    required_secrets=("admin_token",),
)

app = build_app(spec)
