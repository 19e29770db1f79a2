"""Wiring of the notifications service (entry point: ``chantiers run notifications``).

:func:`create_app` is where the clock and the service's options are injected: tests build
the same service with a clock they move (digest slots, daily caps) and short delays.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from chantiers_common.service import ServiceSpec, build_app
from chantiers_common.settings import Settings

from . import api, counters
from .digests import make_digest_loop
from .handlers import BINDINGS, Handlers
from .link_guard import LinkGuard
from .options import Clock, NotifyOptions, system_clock
from .sender import make_sender_loop
from .webhooks import api as webhooks_api
from .webhooks.delivery import make_webhook_loop
from .webhooks.fanout import webhook_consumer

SERVICE = "notifications"
MIGRATIONS = Path(__file__).parent / "migrations"


def make_spec(clock: Clock = system_clock, options: NotifyOptions | None = None,
              ) -> ServiceSpec:
    options = options or NotifyOptions()
    return ServiceSpec(
        name=SERVICE,
        migrations=MIGRATIONS,
        description="Emails ACI staff about their leads (alerts, digests), records their "
                    "answers, and forwards public events to subscribed systems (webhooks).",
        consumer_bindings=BINDINGS,
        handlers=Handlers(clock, options).table(),
        routers=[api.make_router(LinkGuard(options)), webhooks_api.router],
        counters=counters.counts,
        background=[make_sender_loop(clock, options), make_digest_loop(clock, options),
                    webhook_consumer, make_webhook_loop(options)],
        required_secrets=("link_secret", "admin_token"),
    )


def create_app(settings: Settings | None = None, *, clock: Clock = system_clock,
               options: NotifyOptions | None = None) -> FastAPI:
    return build_app(make_spec(clock, options), settings)


def __getattr__(name: str) -> Any:
    # ``notifications.main:app`` (the service entry point) is built on first access, so
    # that importing this module (tests, the CLI) creates no broker.
    if name == "app":
        global app
        app = create_app()
        return app
    raise AttributeError(name)
