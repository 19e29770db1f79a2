"""`chantiers notify digests [--now]`: create the digests that are due (or, with --now,
one for every contact with something new, as if a digest slot were now). The running
service's sender delivers them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from chantiers_common.oneshot import publish_pending, service_database

from .digests import build_digests_now

MIGRATIONS = Path(__file__).parent / "migrations"


async def _digests(force: bool) -> dict[str, int]:
    async with service_database("notifications", MIGRATIONS) as shot:
        made = await build_digests_now(shot.sessions, force=force)
        await publish_pending(shot)
    return made


def digests(now: bool = typer.Option(False, "--now",
                                     help="Do not wait for 08:00: build them now")) -> None:
    """Create due digests (the notifications service sends them)."""
    made = asyncio.run(_digests(now))
    for period, count in made.items():
        typer.echo(f"{period}: {count} digest(s) queued for sending", err=True)
