"""A throwaway RabbitMQ node under ``.run/rabbitmq``, on loopback.

The scripts in ``/usr/lib/rabbitmq/bin`` are called directly: the ``/usr/sbin`` wrappers
switch to the ``rabbitmq`` user, which cannot write to a root-owned ``.run``. Every
location the node uses is set through its environment variables, and the node name is
unique per checkout because ``epmd`` is shared by the whole host.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from .layout import StackLayout
from .processes import StackError, port_open, run, spawn, wait_port

BIN = "/usr/lib/rabbitmq/bin"
PLUGINS = ["rabbitmq_management", "rabbitmq_prometheus"]


def node_env(layout: StackLayout) -> dict[str, str]:
    base = layout.rabbit_dir
    return {
        "RABBITMQ_NODENAME": layout.rabbit_node,
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(layout.amqp_port),
        "RABBITMQ_DIST_PORT": str(layout.rabbit_dist_port),
        "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
        "RABBITMQ_LOG_BASE": str(base / "log"),
        "RABBITMQ_PID_FILE": str(base / "rabbitmq.pid"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
        "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq"),
        "RABBITMQ_ADVANCED_CONFIG_FILE": str(base / "advanced.config"),
        "HOME": str(base),
    }


def _write_config(layout: StackLayout) -> None:
    base = layout.rabbit_dir
    for sub in ("mnesia", "log"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    (base / "enabled_plugins").write_text("[" + ",".join(PLUGINS) + "].\n")
    (base / "rabbitmq.conf").write_text(
        "\n".join([
            f"listeners.tcp.default = 127.0.0.1:{layout.amqp_port}",
            f"management.tcp.port = {layout.rabbit_management_port}",
            "management.tcp.ip = 127.0.0.1",
            f"prometheus.tcp.port = {layout.rabbit_prometheus_port}",
            "prometheus.tcp.ip = 127.0.0.1",
            # A small disk must not block publishers of a throwaway node.
            "disk_free_limit.absolute = 50MB",
            # Queue figures of the management API every 0.5 s (default 5 s): the demo and
            # the tests wait on them.
            "collect_statistics_interval = 500",
            "log.console = false",
            "log.file.level = warning",
            "",
        ])
    )
    (base / "advanced.config").write_text("[].\n")


def ctl(layout: StackLayout, *args: str, check: bool = True, timeout: float = 120):  # type: ignore[no-untyped-def]
    return run([f"{BIN}/rabbitmqctl", "-n", layout.rabbit_node, *args],
               env=node_env(layout), check=check, timeout=timeout)


def is_running(layout: StackLayout) -> bool:
    return port_open(layout.amqp_port) and ctl(layout, "status", check=False,
                                                timeout=30).returncode == 0


def start(layout: StackLayout) -> None:
    if port_open(layout.amqp_port):
        if is_running(layout):
            return
        raise StackError(f"port {layout.amqp_port} is taken by another program")
    _write_config(layout)
    spawn([f"{BIN}/rabbitmq-server"], log=layout.logs_dir / "rabbitmq.out",
          env=node_env(layout))
    pid_file = layout.rabbit_dir / "rabbitmq.pid"
    ctl(layout, "wait", str(pid_file), "--timeout", "90", timeout=120)
    wait_port(layout.amqp_port, timeout=30, what="RabbitMQ")


def stop(layout: StackLayout) -> bool:
    if not port_open(layout.amqp_port) and not (layout.rabbit_dir / "rabbitmq.pid").exists():
        return False
    ctl(layout, "stop", check=False, timeout=60)
    (layout.rabbit_dir / "rabbitmq.pid").unlink(missing_ok=True)
    return True


def _management(layout: StackLayout) -> httpx.Client:
    return httpx.Client(base_url=f"http://127.0.0.1:{layout.rabbit_management_port}/api",
                        auth=("guest", "guest"), timeout=30)


def add_vhost(layout: StackLayout, vhost: str) -> None:
    """A vhost per test environment or demo run (the management API: ~10 ms, where
    rabbitmqctl takes about a second)."""
    with _management(layout) as api:
        api.put(f"/vhosts/{quote(vhost, safe='')}").raise_for_status()
        api.put(f"/permissions/{quote(vhost, safe='')}/guest",
                json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()


def delete_vhost(layout: StackLayout, vhost: str) -> None:
    with _management(layout) as api:
        response = api.delete(f"/vhosts/{quote(vhost, safe='')}")
        if response.status_code not in (204, 404):
            response.raise_for_status()
