"""Where each part of the local stack lives and listens."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from chantiers_common.settings import Settings


@dataclass(frozen=True)
class StackLayout:
    run_dir: Path
    pg_port: int
    amqp_port: int
    smtp_port: int
    otlp_port: int

    @classmethod
    def from_settings(cls, settings: Settings) -> StackLayout:
        return cls(
            run_dir=settings.run_dir.resolve(),
            pg_port=settings.pg_port,
            amqp_port=urlsplit(settings.amqp_url).port or 5672,
            smtp_port=settings.smtp_port,
            otlp_port=otlp_port(),
        )

    # PostgreSQL
    @property
    def pg_dir(self) -> Path:
        return self.run_dir / "pg"

    @property
    def pg_data(self) -> Path:
        return self.pg_dir / "data"

    # RabbitMQ
    @property
    def rabbit_dir(self) -> Path:
        return self.run_dir / "rabbitmq"

    @property
    def rabbit_node(self) -> str:
        # epmd is shared by every node on the host: the name must be unique per checkout.
        digest = hashlib.sha1(str(self.run_dir).encode()).hexdigest()[:8]
        return f"chantiers-{digest}@localhost"

    @property
    def rabbit_dist_port(self) -> int:
        return self.amqp_port + 20000

    @property
    def rabbit_management_port(self) -> int:
        return self.amqp_port + 10000

    @property
    def rabbit_prometheus_port(self) -> int:
        return self.amqp_port + 10010

    # Sinks
    @property
    def outbox_dir(self) -> Path:
        return self.run_dir / "outbox"

    @property
    def traces_dir(self) -> Path:
        return self.run_dir / "traces"

    @property
    def traces_file(self) -> Path:
        return self.traces_dir / "spans.jsonl"

    @property
    def logs_dir(self) -> Path:
        return self.run_dir / "logs"

    @property
    def secrets_file(self) -> Path:
        return self.run_dir / "secrets.env"

    def pid_file(self, name: str) -> Path:
        return self.run_dir / f"{name}.pid"

    @property
    def otlp_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.otlp_port}"


def otlp_port() -> int:
    import os

    return int(os.environ.get("CHANTIERS_OTLP_SINK_PORT", "4328"))
