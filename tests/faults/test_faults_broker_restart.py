"""Fault 1: RabbitMQ is stopped and restarted in the middle of a 5,000-tender ingest.
Nothing is lost (outboxes keep what could not be published, quorum queues keep what was),
nothing is doubled (inboxes drop redeliveries, deliveries are keyed)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from chantiers_cli.quiescence import wait_quiet
from chantiers_common.settings import get_settings
from chantiers_testing.env import IsolatedEnv, wait_until
from chantiers_testing.rabbit_node import RabbitNode
from chantiers_testing.services import running

from .faultlib import Scenario

pytestmark = [pytest.mark.stack, pytest.mark.slow]


def test_broker_restart_mid_ingest_loses_and_doubles_nothing(stack, tmp_path: Path) -> None:
    node = RabbitNode(stack, tmp_path / "rabbit")
    node.start()
    env = IsolatedEnv(layout=node.layout, base=get_settings(), folder=tmp_path / "env")
    try:
        env.start()
        scenario = Scenario(env, tmp_path)
        management = f"http://127.0.0.1:{node.layout.rabbit_management_port}"
        with running(env, "prospects", "matching", "notifications") as procs:
            urls = [p.url for p in procs.values()]
            scenario.publish_structures()
            wait_quiet(urls, management, env.vhost, timeout=120)
            thread = scenario.ingest_in_background()
            wait_until(lambda: scenario.lead_count() >= 500, timeout=300,
                       what="the first leads")
            stopped_at = time.monotonic()
            node.stop()
            print(f"broker stopped with {scenario.lead_count()} leads written")
            time.sleep(5)
            node.start()
            print(f"broker back after {time.monotonic() - stopped_at:.1f} s")
            thread.join(900)
            assert scenario.ingest_error is None, scenario.ingest_error
            wait_quiet(urls, management, env.vhost, timeout=600)
            wait_until(lambda: all(p.get("/stats").json().get("pending_deliveries", 0) == 0
                                   for p in procs.values()), timeout=300)
        leads, emails = scenario.verdicts()
    finally:
        env.stop()
        node.stop()
    assert (leads.received, leads.lost, leads.duplicated) == (5000, 0, 0)
    assert (emails.received, emails.lost, emails.duplicated) == (5000, 0, 0)
