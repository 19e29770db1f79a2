"""`chantiers stack up|down|status`: the whole local stack at once."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from chantiers_common.settings import Settings

from . import packages, postgres, rabbitmq, secrets, sinks
from .layout import StackLayout
from .processes import port_open, read_pid

Say = Callable[[str], None]


@dataclass
class Component:
    name: str
    address: str
    running: bool
    detail: str = ""


def up(settings: Settings, say: Say = print) -> float:
    """Start everything that is not running; returns the seconds it took."""
    started = time.monotonic()
    layout = StackLayout.from_settings(settings)
    layout.run_dir.mkdir(parents=True, exist_ok=True)
    layout.logs_dir.mkdir(parents=True, exist_ok=True)
    secrets.ensure(layout.secrets_file)
    secrets.export(layout.secrets_file)
    packages.ensure_packages(say)
    say(f"PostgreSQL on 127.0.0.1:{layout.pg_port} …")
    postgres.start(layout, settings)
    say(f"RabbitMQ {layout.rabbit_node} on 127.0.0.1:{layout.amqp_port} …")
    rabbitmq.start(layout)
    say(f"SMTP sink on 127.0.0.1:{layout.smtp_port} → {layout.outbox_dir}")
    sinks.start_smtp(layout)
    say(f"Trace sink on {layout.otlp_endpoint} → {layout.traces_file}")
    sinks.start_otlp(layout)
    return time.monotonic() - started


def down(settings: Settings, say: Say = print) -> None:
    layout = StackLayout.from_settings(settings)
    if sinks.stop_otlp(layout):
        say("trace sink stopped")
    if sinks.stop_smtp(layout):
        say("SMTP sink stopped")
    if rabbitmq.stop(layout):
        say("RabbitMQ stopped")
    if postgres.stop(layout):
        say("PostgreSQL stopped")


def status(settings: Settings) -> list[Component]:
    layout = StackLayout.from_settings(settings)
    return [
        Component("postgresql", f"127.0.0.1:{layout.pg_port}", postgres.is_running(layout),
                  str(layout.pg_data)),
        Component("rabbitmq", f"127.0.0.1:{layout.amqp_port}", rabbitmq.is_running(layout),
                  f"{layout.rabbit_node}, management http://127.0.0.1:"
                  f"{layout.rabbit_management_port}"),
        Component("smtp-sink", f"127.0.0.1:{layout.smtp_port}",
                  bool(read_pid(layout.pid_file("smtp-sink"))) and port_open(layout.smtp_port),
                  str(layout.outbox_dir)),
        Component("trace-sink", layout.otlp_endpoint,
                  bool(read_pid(layout.pid_file("trace-sink"))) and port_open(layout.otlp_port),
                  str(layout.traces_file)),
    ]
