"""An isolated environment on the shared local stack: its own RabbitMQ vhost, its own
databases (a name suffix), its own SMTP and trace sinks and HTTP ports."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from chantiers_cli.stack import rabbitmq
from chantiers_cli.stack.layout import StackLayout
from chantiers_cli.stack.processes import spawn, wait_port
from chantiers_common import db
from chantiers_common.settings import Settings

SERVICES = ("prospects", "structures", "matching", "notifications")
# One admin token for the test run (tests send it in their requests).
TEST_ADMIN_TOKEN = f"test-admin-{secrets.token_urlsafe(16)}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class IsolatedEnv:
    layout: StackLayout
    base: Settings
    folder: Path
    name: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:10]}")
    smtp_port: int = field(default_factory=free_port)
    otlp_port: int = field(default_factory=free_port)
    ports: dict[str, int] = field(default_factory=lambda: {s: free_port() for s in SERVICES})
    # Secrets of this environment (from the environment, like everywhere else).
    admin_token: str = TEST_ADMIN_TOKEN
    link_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    # More variables for the processes of this environment (a test's own settings).
    extra_env: dict[str, str] = field(default_factory=dict)
    _sinks: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def vhost(self) -> str:
        return self.name

    @property
    def amqp_url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.layout.amqp_port}/{self.vhost}"

    @property
    def outbox_dir(self) -> Path:
        return self.folder / "outbox"

    @property
    def traces_file(self) -> Path:
        return self.folder / "spans.jsonl"

    def env(self) -> dict[str, str]:
        """Environment variables for a process of this environment."""
        values = {
            "CHANTIERS_AMQP_URL": self.amqp_url,
            "CHANTIERS_DB_SUFFIX": f"_{self.name}",
            "CHANTIERS_PG_PORT": str(self.base.pg_port),
            "CHANTIERS_SMTP_PORT": str(self.smtp_port),
            "CHANTIERS_RUN_DIR": str(self.folder),
            "CHANTIERS_RETRY_DELAY_MS": "300",
            "CHANTIERS_ADMIN_TOKEN": self.admin_token,
            "CHANTIERS_LINK_SECRET": self.link_secret,
            "CHANTIERS_PUBLIC_BASE_URL": f"http://127.0.0.1:{self.ports['notifications']}",
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{self.otlp_port}",
        }
        values.update({f"CHANTIERS_{s.upper()}_PORT": str(p) for s, p in self.ports.items()})
        values.update(self.extra_env)
        return values

    def settings(self) -> Settings:
        return Settings(
            amqp_url=self.amqp_url,
            db_suffix=f"_{self.name}",
            pg_port=self.base.pg_port,
            smtp_port=self.smtp_port,
            run_dir=self.folder,
            retry_delay_ms=300,
            admin_token=self.admin_token,
            link_secret=self.link_secret,
            **{f"{s}_port": p for s, p in self.ports.items()},
        )

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        rabbitmq.add_vhost(self.layout, self.vhost)
        self.start_smtp()
        self._sinks.append(spawn(
            [sys.executable, "-m", "chantiers_cli.sinks.otlp", "--port", str(self.otlp_port),
             "--file", str(self.traces_file)], log=self.folder / "trace-sink.log"))
        wait_port(self.otlp_port, timeout=20, what="trace sink")

    def start_smtp(self) -> subprocess.Popen[bytes]:
        proc = spawn([sys.executable, "-m", "chantiers_cli.sinks.smtp", "--port",
                      str(self.smtp_port), "--dir", str(self.outbox_dir)],
                     log=self.folder / "smtp-sink.log")
        self._sinks.append(proc)
        wait_port(self.smtp_port, timeout=20, what="SMTP sink")
        return proc

    def stop(self) -> None:
        for proc in self._sinks:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(10)
        rabbitmq.delete_vhost(self.layout, self.vhost)
        asyncio.run(self._drop_databases())

    async def _drop_databases(self) -> None:
        """Every database of this environment (services and test probes)."""
        settings = self.settings()
        conn = await asyncpg.connect(db.asyncpg_dsn(settings, "postgres"))
        try:
            names = [r["datname"] for r in await conn.fetch(
                "SELECT datname FROM pg_database WHERE datname LIKE $1", f"%_{self.name}")]
            for name in names:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    def emails(self) -> list[Path]:
        return sorted(self.outbox_dir.glob("*.eml")) if self.outbox_dir.exists() else []


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.2, what: str = ""):  # type: ignore[no-untyped-def]
    """Poll ``predicate`` until it returns something truthy; returns that value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what or predicate} "
                       f"(last value: {last!r})")


def chantiers_cmd() -> list[str]:
    return [str(Path(sys.executable).parent / "chantiers")]


def subprocess_env(env: IsolatedEnv) -> dict[str, str]:
    return {**os.environ, **env.env()}
