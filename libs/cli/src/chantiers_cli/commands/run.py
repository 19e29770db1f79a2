"""`chantiers run SERVICE`: one service in the foreground."""

from __future__ import annotations

import signal
import sys
from importlib.metadata import entry_points
from types import FrameType

import typer


def services() -> dict[str, str]:
    """Installed services: name → "module:app"."""
    return {e.name: e.value for e in entry_points(group="chantiers.services")}


def _stopped_on_request(signum: int, frame: FrameType | None) -> None:
    """Uvicorn shuts down gracefully on SIGTERM/SIGINT, then raises the signal again for
    the handler that was there before it: this one turns it into exit status 0, so that a
    supervisor (the demo, systemd, compose) can tell a clean stop from a crash."""
    sys.exit(0)


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run(
        service: str = typer.Argument(..., help="prospects, structures, matching or notifications"),
        host: str = typer.Option(None, help="Listen address (default from settings)"),
        port: int = typer.Option(None, help="HTTP port (default: the service's own)"),
    ) -> None:
        """Run one service (HTTP API + event consumers) in the foreground."""
        import uvicorn

        from chantiers_common.settings import get_settings

        known = services()
        if service not in known:
            typer.echo(f"unknown service {service!r}; known: {', '.join(sorted(known))}",
                       err=True)
            raise typer.Exit(2)
        settings = get_settings()
        for stop_signal in (signal.SIGTERM, signal.SIGINT):
            signal.signal(stop_signal, _stopped_on_request)
        uvicorn.run(
            known[service],
            host=host or settings.http_host,
            port=port if port is not None else settings.http_port(service),
            log_level="info",
            access_log=False,
            # uvloop's C event loop: under a burst, py-spy put about a fifth of matching's
            # samples in the pure-Python loop's own code (callbacks, socket writes).
            loop="uvloop",
            # Uvicorn would trust X-Forwarded-For from loopback: a local caller could pick
            # its own address. The services decide which proxies they trust themselves.
            proxy_headers=False,
            lifespan="on",
            timeout_graceful_shutdown=20,
        )
