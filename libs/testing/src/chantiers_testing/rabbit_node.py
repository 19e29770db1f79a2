"""A RabbitMQ node of a test's own, for tests that stop and restart the broker: the
shared node of the local stack must keep serving everyone else."""

from __future__ import annotations

import random
import socket
from dataclasses import replace
from pathlib import Path

from chantiers_cli.stack import rabbitmq
from chantiers_cli.stack.layout import StackLayout
from chantiers_cli.stack.processes import port_open


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_node_port() -> int:
    """A node port whose distribution (+20000) and management (+10000, +10010) ports are
    free too; RabbitMQ refuses node ports above 45535."""
    for _ in range(200):
        port = random.randint(21000, 25000)
        if all(_free(p) for p in (port, port + 10000, port + 10010, port + 20000)):
            return port
    raise RuntimeError("no free port for a test RabbitMQ node")


class RabbitNode:
    def __init__(self, base: StackLayout, folder: Path) -> None:
        self.layout = replace(base, run_dir=folder, amqp_port=free_node_port())

    @property
    def amqp_url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.layout.amqp_port}/"

    def start(self) -> None:
        rabbitmq.start(self.layout)

    def stop(self) -> None:
        rabbitmq.stop(self.layout)

    @property
    def running(self) -> bool:
        return port_open(self.layout.amqp_port)
