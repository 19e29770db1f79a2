"""Fault 2: the matching service is killed with SIGKILL mid-stream and restarted: its
unacknowledged messages come back, its inbox drops what it had already committed."""

from __future__ import annotations

from pathlib import Path

import pytest

from chantiers_cli.quiescence import wait_quiet
from chantiers_testing.env import IsolatedEnv, wait_until
from chantiers_testing.services import ServiceProcess, running

from .faultlib import Scenario

pytestmark = [pytest.mark.stack, pytest.mark.slow]


def test_matching_killed_mid_stream_loses_and_doubles_nothing(
    isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    env = isolated_env
    scenario = Scenario(env, tmp_path)
    management = f"http://127.0.0.1:{env.layout.rabbit_management_port}"
    with running(env, "prospects", "notifications") as procs:
        matching = ServiceProcess(env, "matching").start()
        try:
            urls = [p.url for p in procs.values()]
            scenario.publish_structures()
            wait_quiet([*urls, matching.url], management, env.vhost, timeout=120)
            thread = scenario.ingest_in_background()
            wait_until(lambda: scenario.lead_count() >= 1000, timeout=300,
                       what="a thousand leads")
            matching.kill()
            print(f"matching killed with {scenario.lead_count()} leads written")
            matching = ServiceProcess(env, "matching").start()
            thread.join(900)
            assert scenario.ingest_error is None, scenario.ingest_error
            wait_quiet([*urls, matching.url], management, env.vhost, timeout=600)
        finally:
            matching.stop()
    leads, emails = scenario.verdicts()
    assert (leads.received, leads.lost, leads.duplicated) == (5000, 0, 0)
    assert (emails.received, emails.lost, emails.duplicated) == (5000, 0, 0)
