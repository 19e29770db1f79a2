"""Shared by the fault tests: counting effects by key and printing the verdict line."""

from __future__ import annotations

import email
import email.policy
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from chantiers_common import db
from chantiers_testing.env import IsolatedEnv

IDEMPOTENCY = "X-Chantiers-Idempotency-Key"


@dataclass
class Verdict:
    what: str
    sent: int
    received: int
    lost: int
    duplicated: int

    def line(self) -> str:
        return (f"{self.what}: sent={self.sent} received={self.received} "
                f"lost={self.lost} duplicated={self.duplicated}")


def email_keys(folder: Path) -> Counter[str]:
    keys: Counter[str] = Counter()
    for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        keys[str(message[IDEMPOTENCY])] += 1
    return keys


async def lead_pairs(env: IsolatedEnv) -> Counter[tuple[str, str]]:
    """(structure SIRET, prospect) of every lead in matching's database."""
    settings = env.settings()
    conn = await asyncpg.connect(db.asyncpg_dsn(settings, settings.database_name("matching")))
    try:
        rows = await conn.fetch("SELECT structure_siret, prospect_ref FROM leads")
    finally:
        await conn.close()
    return Counter((r["structure_siret"], r["prospect_ref"]) for r in rows)


def verdict(what: str, expected: set, observed: Counter) -> Verdict:  # type: ignore[type-arg]
    received = set(observed)
    return Verdict(what, len(expected), len(received & expected), len(expected - received),
                   sum(n - 1 for n in observed.values() if n > 1))


SECTOR = "creation-et-entretien-des-espaces-verts"
# 50 departments of mainland France, one known structure in each.
DEPARTMENTS = [f"{d:02d}" for d in range(1, 52) if d != 20][:50]


class Scenario:
    """N calls for tenders spread over the departments of the known structures: each
    tender must give exactly one lead (its department's structure) and one alert."""

    def __init__(self, env: IsolatedEnv, folder: Path, tenders: int = 5000) -> None:
        from chantiers_testing.scenario import known_structures
        from chantiers_testing.tenders import tender_records, write_page

        self.env = env
        self.structures = known_structures(DEPARTMENTS, SECTOR)
        self.records = tender_records(tenders, DEPARTMENTS, sector=SECTOR)
        self.file = write_page(folder / "tenders.json", self.records)
        by_department = {known.department: known for known, _ in self.structures}
        self.expected = {(by_department[r["code_departement"][0]].siret, r["idweb"])
                         for r in self.records}
        self.contact_of = {known.siret: known.contact_id for known, _ in self.structures}
        self.ingest_error: BaseException | None = None
        # Every lead may alert its contact: the daily cap is a product rule, not under test.
        env.extra_env.setdefault("CHANTIERS_NOTIFY_DAILY_ALERT_CAP", "1000000")

    def publish_structures(self) -> None:
        import asyncio

        from chantiers_testing.scenario import publish

        asyncio.run(publish(self.env.amqp_url,
                            [e for _, events in self.structures for e in events]))

    def ingest_in_background(self) -> threading.Thread:
        from chantiers_testing.services import run_cli

        def ingest() -> None:
            try:
                run_cli(self.env, "ingest", "boamp", str(self.file), timeout=900)
            except BaseException as exc:  # reported by the test
                self.ingest_error = exc

        thread = threading.Thread(target=ingest, daemon=True)
        thread.start()
        return thread

    def lead_count(self) -> int:
        import asyncio

        return sum(asyncio.run(lead_pairs(self.env)).values())

    async def _lead_ids(self) -> dict[tuple[str, str], str]:
        settings = self.env.settings()
        conn = await asyncpg.connect(db.asyncpg_dsn(settings,
                                                    settings.database_name("matching")))
        try:
            rows = await conn.fetch("SELECT id, structure_siret, prospect_ref FROM leads")
        finally:
            await conn.close()
        return {(r["structure_siret"], r["prospect_ref"]): r["id"] for r in rows}

    def verdicts(self) -> tuple[Verdict, Verdict]:
        import asyncio

        leads = verdict("leads", self.expected, asyncio.run(lead_pairs(self.env)))
        ids = asyncio.run(self._lead_ids())
        expected_keys = {f"alert:{self.contact_of[siret]}:{ids[(siret, ref)]}"
                         for siret, ref in self.expected if (siret, ref) in ids}
        expected_keys |= {f"missing:{pair}" for pair in self.expected - set(ids)}
        emails = verdict("emails", expected_keys, email_keys(self.env.outbox_dir))
        print(leads.line())
        print(emails.line())
        return leads, emails
