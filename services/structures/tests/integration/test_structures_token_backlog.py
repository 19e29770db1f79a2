"""Tokens issued before structures announced them: migration 0003 queues one
``token.issued`` per token still valid, so that matching learns them too."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import asyncpg
import pytest

from chantiers_common import db, migrations
from chantiers_common.events import parse_envelope
from chantiers_common.events.structures import TokenIssued
from chantiers_testing.env import IsolatedEnv

pytestmark = pytest.mark.stack

MIGRATIONS = Path(__file__).resolve().parents[2] / "src" / "structures" / "migrations"
SIRET = "80746931700018"


async def test_valid_tokens_of_an_earlier_version_are_announced(isolated_env: IsolatedEnv):
    settings = isolated_env.settings()
    await db.ensure_database(settings, "structures")
    url = settings.database_url("structures")
    await asyncio.to_thread(migrations.upgrade, MIGRATIONS, url, "0002")
    conn = await asyncpg.connect(db.asyncpg_dsn(settings, settings.database_name("structures")))
    try:
        await conn.execute(
            "INSERT INTO structures (siret, siren, kind, name, data, fingerprint)"
            " VALUES ($1, $2, 'ACI', 'Atelier', '{}', 'x')", SIRET, SIRET[:9])
        valid, revoked = (hashlib.sha256(t.encode()).hexdigest()
                          for t in ("cas_valid", "cas_revoked"))
        await conn.execute(
            "INSERT INTO tokens (id, siret, hash, created_by, revoked_at) VALUES"
            " ('t-valid', $1, $2, 'admin', NULL), ('t-revoked', $1, $3, 'admin', now())",
            SIRET, valid, revoked)

        await migrations.upgrade_async(MIGRATIONS, url)

        rows = await conn.fetch("SELECT event_id, event_type, version, routing_key, body"
                                " FROM outbox WHERE published_at IS NULL")
    finally:
        await conn.close()
    row, = rows  # the revoked token is not announced
    assert (row["event_type"], row["version"], row["routing_key"]) == (
        "token.issued", 1, "structures.token.issued")
    envelope = parse_envelope(row["body"])  # what the relay publishes, as consumers parse it
    assert envelope.id == row["event_id"] and envelope.producer == "structures"
    assert isinstance(envelope.data, TokenIssued)
    assert (envelope.data.token_id, envelope.data.siret, envelope.data.token_sha256) == (
        "t-valid", SIRET, valid)
