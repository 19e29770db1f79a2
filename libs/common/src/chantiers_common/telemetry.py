"""Traces for every service, configured once.

- one ``TracerProvider`` per process, named after the service;
- OTLP/HTTP export when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (Tempo in compose, the
  local trace sink of ``chantiers stack`` in the demo and the tests);
- FastStream's telemetry middleware propagates the W3C context in message headers;
- FastAPI and asyncpg instrumentation (asyncpg rather than SQLAlchemy's: the SQLAlchemy
  instrumentation silently does nothing on SQLAlchemy 2.1).
"""

from __future__ import annotations

import os
from typing import Any

from faststream.rabbit.opentelemetry import RabbitTelemetryMiddleware
from opentelemetry import trace
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_provider: TracerProvider | None = None


def setup_tracing(service: str) -> TracerProvider:
    """Idempotent: the first call in a process wins (tests may build several apps)."""
    global _provider
    if _provider is not None:
        return _provider
    provider = TracerProvider(
        resource=Resource.create(
            {"service.name": service, "service.namespace": "chantiers-agiles"}
        )
    )
    if _otlp_endpoint():
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        # Without an explicit traces endpoint the exporter appends /v1/traces itself.
        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(), schedule_delay_millis=500)
        )
    trace.set_tracer_provider(provider)
    AsyncPGInstrumentor().instrument(tracer_provider=provider)
    _provider = provider
    return provider


def _otlp_endpoint() -> str | None:
    return os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_ENDPOINT"
    )


def broker_middleware(provider: TracerProvider) -> RabbitTelemetryMiddleware:
    return RabbitTelemetryMiddleware(tracer_provider=provider)


def instrument_fastapi(app: Any, provider: TracerProvider) -> None:
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=provider, excluded_urls="healthz,readyz,metrics"
    )


def shutdown_tracing() -> None:
    if _provider is not None:
        _provider.force_flush(timeout_millis=5000)
