"""The walking skeleton on the real stack: real SIAE structures and real BOAMP notices go
through the four services as separate processes, and one email's tender can be followed
in a single trace from prospects to matching to notifications (SMTP included)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
from collections import defaultdict
from pathlib import Path

import asyncpg
import httpx
import pytest

from chantiers_cli.quiescence import wait_quiet
from chantiers_common import db
from chantiers_testing.env import IsolatedEnv, wait_until
from chantiers_testing.services import run_cli, running

pytestmark = [pytest.mark.stack, pytest.mark.slow]

IDEMPOTENCY = "X-Chantiers-Idempotency-Key"
DB_SPAN = "<postgresql>"
NAMED_CONTACT = {"email": "mireille.temoin@exemple-aci.fr", "name": "Mireille Témoin",
                 "role": "chargée de développement", "alert_mode": "immediate",
                 "min_score": 0}


def contact_emails(env: IsolatedEnv) -> set[str]:
    async def fetch() -> set[str]:
        settings = env.settings()
        conn = await asyncpg.connect(db.asyncpg_dsn(settings,
                                                    settings.database_name("structures")))
        try:
            return {r["email"] for r in await conn.fetch("SELECT email FROM contacts")}
        finally:
            await conn.close()

    return asyncio.run(fetch())


def spans(path: Path) -> list[dict]:  # type: ignore[type-arg]
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_one_tender_travels_through_all_four_services_in_one_trace(
    isolated_env: IsolatedEnv, data_dir: Path
) -> None:
    env = isolated_env
    management = f"http://127.0.0.1:{env.layout.rabbit_management_port}"
    with running(env, "structures", "prospects", "matching", "notifications") as procs:
        urls = [p.url for p in procs.values()]
        run_cli(env, "ingest", "siae", str(data_dir / "siae/lemarche_01_siaes.json"),
                "--demo-contacts")
        wait_quiet(urls, management, env.vhost, timeout=300)
        # A contact with a person's name, whose events go through notifications too.
        admin = {"Authorization": f"Bearer {env.admin_token}"}
        siret = httpx.get(f"{procs['structures'].url}/structures", params={"limit": 1},
                          headers=admin).json()["items"][0]["siret"]
        created = httpx.post(f"{procs['structures'].url}/structures/{siret}/contacts",
                             json=NAMED_CONTACT, headers=admin)
        assert created.status_code == 201, created.text
        run_cli(env, "ingest", "boamp", str(data_dir / "boamp/boamp_full_records_45.json"),
                "--replay-today")
        wait_quiet(urls, management, env.vhost, timeout=300)

        # The admin token sees every structure's leads (a structure token, only its own).
        leads = httpx.get(f"{procs['matching'].url}/leads", params={"limit": 500},
                          headers=admin).json()
        assert leads["total"] >= 1
        lead_by_id = {lead["id"]: lead for lead in leads["items"]}
        stats = procs["notifications"].get("/stats").json()
        assert stats["emails_sent"] >= 1

    emails = env.emails()
    assert len(emails) == stats["emails_sent"]
    message = email.message_from_bytes(emails[0].read_bytes(), policy=email.policy.default)
    kind, _contact_id, lead_id = str(message[IDEMPOTENCY]).split(":")
    assert kind == "alert"
    assert lead_id in lead_by_id, "the emailed lead is one of matching's leads"
    # The notice the email links to (a correction links its own notice, while the lead
    # stays keyed by the tender it corrects).
    url = lead_by_id[lead_id]["url"]
    assert url and url in message.get_body(("plain",)).get_content()
    idweb = url.rsplit("idweb:", 1)[1]

    # The services export their spans over OTLP; the batch exporters flush on shutdown.
    def tender_trace() -> dict[str, set[str]] | None:
        all_spans = spans(env.traces_file)
        roots = [s for s in all_spans if s["attributes"].get("tender.idweb") == idweb]
        if not roots:
            return None
        trace_id = roots[0]["trace_id"]
        by_service: dict[str, set[str]] = defaultdict(set)
        for span in all_spans:
            if span["trace_id"] == trace_id:
                by_service[span["service"]].add(span["name"])
                if span["attributes"].get("db.system") == "postgresql":
                    by_service[span["service"]].add(DB_SPAN)
        return by_service if "smtp send" in by_service.get("notifications", set()) else None

    services = wait_until(tender_trace, timeout=30, what=f"the trace of tender {idweb}")
    assert {"prospects", "matching", "notifications"} <= set(services)
    assert any(name.startswith("ingest tender") for name in services["prospects"])
    assert "smtp send" in services["notifications"]
    # Database spans of the consumers are in the same trace: asyncpg's, or the span of a
    # statement matching wrote once for tenders that arrived together (shared_span).
    assert DB_SPAN in services["matching"], services["matching"]
    assert DB_SPAN in services["notifications"], services["notifications"]

    # No personal data in what operators read: the contacts' addresses (thousands, from
    # the real file) and a named contact appear in no service log and no span.
    people = contact_emails(env) | {NAMED_CONTACT["name"], NAMED_CONTACT["email"]}
    assert len(people) > 100
    for path in [*env.folder.glob("*.log"), env.traces_file]:
        if path.name.startswith(("smtp-sink", "trace-sink")):
            continue  # the test's own sinks, not the services
        text = path.read_text(errors="replace").lower()
        leaked = sorted(p for p in people if p.lower() in text)
        assert not leaked, f"{path.name}: {leaked[:5]}"
