"""The walking skeleton on the real stack: real SIAE structures and real BOAMP notices go
through the four services as separate processes, and one email's tender can be followed
in a single trace from prospects to matching to notifications (SMTP included)."""

from __future__ import annotations

import email
import email.policy
import json
from collections import defaultdict
from pathlib import Path

import httpx
import pytest

from chantiers_cli.quiescence import wait_quiet
from chantiers_testing.env import IsolatedEnv, wait_until
from chantiers_testing.services import run_cli, running

pytestmark = [pytest.mark.stack, pytest.mark.slow]

IDEMPOTENCY = "X-Chantiers-Idempotency-Key"


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
        run_cli(env, "ingest", "boamp", str(data_dir / "boamp/boamp_full_records_45.json"),
                "--replay-today")
        wait_quiet(urls, management, env.vhost, timeout=300)

        # The admin token sees every structure's leads (a structure token, only its own).
        leads = httpx.get(f"{procs['matching'].url}/leads", params={"limit": 500},
                          headers={"Authorization": f"Bearer {env.admin_token}"}).json()
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
        return by_service if "smtp send" in by_service.get("notifications", set()) else None

    services = wait_until(tender_trace, timeout=30, what=f"the trace of tender {idweb}")
    assert {"prospects", "matching", "notifications"} <= set(services)
    assert any(name.startswith("ingest tender") for name in services["prospects"])
    assert "smtp send" in services["notifications"]
    # Database spans (asyncpg) of the consumers are in the same trace.
    assert any(name.split()[0] in {"INSERT", "SELECT", "UPDATE"} or "postgres" in name.lower()
               for name in services["matching"]), services["matching"]
