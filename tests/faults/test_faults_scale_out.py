"""Fault 5: two replicas each of matching and notifications consume the same queues
during a 5,000-tender ingest; every lead and every email exists exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from chantiers_cli.quiescence import wait_quiet
from chantiers_testing.env import IsolatedEnv, free_port
from chantiers_testing.services import ServiceProcess, running

from .faultlib import Scenario

pytestmark = [pytest.mark.stack, pytest.mark.slow]


def metric(text: str, name: str, **labels: str) -> float:
    """Sum of a counter's samples with these labels, from a /metrics page."""
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v
                                           for k, v in labels.items()):
                total += sample.value
    return total


def test_two_replicas_each_make_every_lead_and_email_once(
    isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    env = isolated_env
    scenario = Scenario(env, tmp_path)
    management = f"http://127.0.0.1:{env.layout.rabbit_management_port}"
    with running(env, "prospects", "matching", "notifications") as procs:
        extra = [ServiceProcess(env, name, port=free_port()).start()
                 for name in ("matching", "notifications")]
        try:
            urls = [p.url for p in (*procs.values(), *extra)]
            scenario.publish_structures()
            wait_quiet(urls, management, env.vhost, timeout=120)
            scenario.ingest_in_background().join(900)
            assert scenario.ingest_error is None, scenario.ingest_error
            wait_quiet(urls, management, env.vhost, timeout=600)
            # Both replicas of each service did part of the work.
            matched = [metric(p.get("/metrics").text, "chantiers_events_handled_total",
                              outcome="handled") for p in (procs["matching"], extra[0])]
            sent = [metric(p.get("/metrics").text, "chantiers_emails_total", outcome="sent")
                    for p in (procs["notifications"], extra[1])]
            print(f"events handled per matching replica: {matched}; "
                  f"emails sent per notifications replica: {sent}")
            assert all(n > 0 for n in matched) and all(n > 0 for n in sent)
        finally:
            for proc in extra:
                proc.stop()
    leads, emails = scenario.verdicts()
    assert (leads.received, leads.lost, leads.duplicated) == (5000, 0, 0)
    assert (emails.received, emails.lost, emails.duplicated) == (5000, 0, 0)
