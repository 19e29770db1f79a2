"""Wiring of the notifications service (entry point: ``chantiers run notifications``)."""

from __future__ import annotations

from pathlib import Path

from chantiers_common.service import ServiceSpec, build_app

from . import api, counters
from .digests import digest_loop
from .handlers import BINDINGS, HANDLERS
from .sender import sender_loop

SERVICE = "notifications"

spec = ServiceSpec(
    name=SERVICE,
    migrations=Path(__file__).parent / "migrations",
    description="Emails ACI staff about their leads (alerts, digests) and records answers.",
    consumer_bindings=BINDINGS,
    handlers=HANDLERS,
    routers=[api.router],
    counters=counters.counts,
    background=[sender_loop, digest_loop],
)

app = build_app(spec)
