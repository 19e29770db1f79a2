"""Services fail fast, naming what they tried, and /readyz says which dependency is down."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import httpx
import pytest

from chantiers_cli.stack import rabbitmq
from chantiers_common import db
from chantiers_common.service import build_app
from chantiers_testing.env import IsolatedEnv, chantiers_cmd, subprocess_env
from chantiers_testing.probe import probe_spec

pytestmark = pytest.mark.stack


def run_service(env: IsolatedEnv, **overrides: str) -> tuple[int, str, float]:
    import subprocess

    started = time.monotonic()
    result = subprocess.run(
        [*chantiers_cmd(), "run", "structures", "--port", str(env.ports["structures"])],
        env={**subprocess_env(env), **overrides}, capture_output=True, text=True, timeout=60,
        check=False)
    return result.returncode, result.stdout + result.stderr, time.monotonic() - started


def test_a_service_without_broker_fails_fast_naming_it(isolated_env: IsolatedEnv) -> None:
    code, output, seconds = run_service(
        isolated_env, CHANTIERS_AMQP_URL="amqp://guest:guest@127.0.0.1:1/nowhere")
    assert code != 0
    assert "cannot reach RabbitMQ at amqp://guest:***@127.0.0.1:1/nowhere" in output
    assert "guest:guest" not in output  # the password is not printed
    assert seconds < 30


def test_a_service_without_database_fails_fast_naming_it(isolated_env: IsolatedEnv) -> None:
    code, output, seconds = run_service(isolated_env, CHANTIERS_PG_PORT="1")
    assert code != 0
    assert "cannot reach PostgreSQL at chantiers@127.0.0.1:1/postgres" in output
    assert seconds < 30


async def _readyz(app: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
        return await client.get("/readyz")


async def test_readyz_reports_which_dependency_is_down(isolated_env: IsolatedEnv) -> None:
    settings = isolated_env.settings()
    app = build_app(probe_spec("probe", ("structures.structure.*",), {}), settings)
    async with app.router.lifespan_context(app):
        ready = await _readyz(app)
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}

        # The broker goes away (its vhost is deleted: every connection in it is closed).
        await asyncio.to_thread(rabbitmq.delete_vhost, isolated_env.layout, isolated_env.vhost)
        await asyncio.sleep(0.5)
        down = await _readyz(app)
        assert down.status_code == 503
        assert down.json()["checks"]["database"] == "ok"
        assert down.json()["checks"]["broker"].startswith("down: no connection to amqp://")

        # The database goes away too.
        admin = await asyncpg.connect(db.asyncpg_dsn(settings, "postgres"))
        try:
            await admin.execute(
                f'DROP DATABASE "{settings.database_name("probe")}" WITH (FORCE)')
        finally:
            await admin.close()
        both = (await _readyz(app)).json()["checks"]
        assert both["database"].startswith("down:"), both
        assert both["broker"].startswith("down:"), both
        await asyncio.to_thread(rabbitmq.add_vhost, isolated_env.layout, isolated_env.vhost)


def test_a_service_without_its_secret_fails_fast_naming_it(isolated_env: IsolatedEnv) -> None:
    code, output, seconds = run_service(isolated_env, CHANTIERS_ADMIN_TOKEN="")
    assert code != 0
    assert "CHANTIERS_ADMIN_TOKEN is not set" in output
    assert seconds < 30


def test_a_graceful_stop_exits_zero(isolated_env: IsolatedEnv) -> None:
    """SIGTERM: the service finishes its work and shuts down, and says so with status 0
    (what the demo, systemd and compose read as a clean stop; a crash is not 0)."""
    from chantiers_testing.services import ServiceProcess

    service = ServiceProcess(isolated_env, "structures").start()
    assert service.get("/healthz").status_code == 200
    assert service.stop() == 0
