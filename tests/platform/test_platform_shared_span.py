"""A write done once for a run of events shows in every event's trace (no stack needed)."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from chantiers_common.bus.batching import Delivered, shared_span
from chantiers_common.events import Envelope
from chantiers_common.events.structures import Structure, StructureRegistered


def delivered(tracer: trace.Tracer, siret: str) -> Delivered:
    """An event with its own consumer span, as the batcher gives it."""
    span = tracer.start_span(f"consume {siret}")
    span.end()
    event = StructureRegistered(structure=Structure(
        siret=siret, siren=siret[:9], kind="ACI", name="Atelier", department="93"))
    return Delivered(Envelope.wrap(event), trace.set_span_in_context(span))


@pytest.fixture
def traced() -> tuple[trace.Tracer, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider.get_tracer("test"), exporter


def test_each_event_of_a_run_has_the_shared_write_in_its_trace(traced):
    tracer, exporter = traced
    run = [delivered(tracer, f"{n:014d}") for n in range(1, 4)]
    with shared_span(run, "store", {"db.system": "postgresql"}, tracer=tracer):
        # What the work itself traces (asyncpg's span) goes under the first event's.
        tracer.start_span("INSERT").end()
    spans = exporter.get_finished_spans()
    stores = [s for s in spans if s.name == "store"]
    parents = {s.context.span_id: s for s in spans if s.name.startswith("consume")}
    assert [parents[s.parent.span_id].name for s in stores] == [
        "consume 00000000000001", "consume 00000000000002", "consume 00000000000003"]
    first, *others = stores
    assert all(s.attributes["db.system"] == "postgresql" for s in stores)
    assert all(s.attributes["batch.size"] == 3 for s in stores)
    # The others are linked to the first, with its times.
    assert all([link.context for link in s.links] == [first.context] for s in others)
    assert all((s.start_time, s.end_time) == (first.start_time, first.end_time)
               for s in others)
    [insert] = [s for s in spans if s.name == "INSERT"]
    assert insert.parent.span_id == first.context.span_id


def test_a_run_of_one_adds_no_span(traced):
    tracer, exporter = traced
    [one] = run = [delivered(tracer, "00000000000001")]
    with shared_span(run, "store", {}, tracer=tracer):
        # The work runs in the event's own context, as if it had come alone.
        assert trace.get_current_span() is trace.get_current_span(one.context)
    assert [s.name for s in exporter.get_finished_spans()] == ["consume 00000000000001"]
