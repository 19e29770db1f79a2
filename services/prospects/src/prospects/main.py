"""Wiring of the prospects service (entry point: ``chantiers run prospects``)."""

from __future__ import annotations

from pathlib import Path

from chantiers_common.service import ServiceSpec, build_app

from . import api, counters

SERVICE = "prospects"
MIGRATIONS = Path(__file__).parent / "migrations"

spec = ServiceSpec(
    name=SERVICE,
    migrations=MIGRATIONS,
    description="Public tenders (BOAMP) and companies (SIRENE) published as events.",
    routers=[api.router],
    counters=counters.counts,
    # companies.bulk_loaded events carry 1,000 companies (~330 kB): 50 at a time.
    relay_batch_size=50,
)

app = build_app(spec)
