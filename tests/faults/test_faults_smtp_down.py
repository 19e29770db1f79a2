"""Fault 3: the SMTP server is down for 30 seconds while alerts are due: every alert is
sent once it is back, none twice."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest

from chantiers_cli.quiescence import wait_quiet
from chantiers_testing.env import IsolatedEnv, wait_until
from chantiers_testing.services import running

from .faultlib import Scenario

pytestmark = [pytest.mark.stack, pytest.mark.slow]


def test_smtp_down_for_30_seconds_loses_and_doubles_no_email(
    isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    env = isolated_env
    scenario = Scenario(env, tmp_path, tenders=500)
    management = f"http://127.0.0.1:{env.layout.rabbit_management_port}"
    smtp = env._sinks[0]  # the env's SMTP sink process, started first
    with running(env, "prospects", "matching", "notifications") as procs:
        urls = [p.url for p in procs.values()]
        scenario.publish_structures()
        wait_quiet(urls, management, env.vhost, timeout=120)
        smtp.terminate()
        smtp.wait(10)
        down_at = time.monotonic()
        scenario.ingest_in_background().join(600)
        assert scenario.ingest_error is None, scenario.ingest_error
        def due() -> int:
            return int(procs["notifications"].get("/stats").json()["pending_deliveries"])

        # Let matching catch up, so that the alerts are due while the server is down.
        with contextlib.suppress(TimeoutError):
            wait_until(lambda: due() >= 500, timeout=max(1.0, 25 - (time.monotonic() - down_at)))
        print(f"{due()} alerts due while SMTP is down")
        assert due() > 0
        time.sleep(max(0.0, 30 - (time.monotonic() - down_at)))
        env.start_smtp()
        print(f"SMTP back after {time.monotonic() - down_at:.0f} s")
        wait_quiet(urls, management, env.vhost, timeout=600)
    leads, emails = scenario.verdicts()
    assert (leads.received, leads.lost, leads.duplicated) == (500, 0, 0)
    assert (emails.received, emails.lost, emails.duplicated) == (500, 0, 0)
