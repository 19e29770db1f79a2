"""Tenders through the matching service on the real broker and database.

    .venv/bin/python bench/bench_matching_pipeline.py [--tenders N] [--replicas R]

An isolated environment on the local stack (its own vhost and databases). The matching
database is seeded with the catalog of ``bench_matching_one_tender`` (4,500 structures of
the real registry, 5 synthetic activities each); then the matching service runs as real
processes (``chantiers run matching``), as deployed.

1. **Bare broker**, same run, same vhost: one Python client (aio-pika) publishes
   persistent messages of a tender's size to a quorum queue with publisher confirms (a
   window of messages in flight) while consuming and acking them on another channel:
   messages per second from the first publish to the last ack.
2. **Pipeline**: the same client publishes ``tender.published`` events as prospects'
   outbox relay does (persistent, confirmed, a window in flight); each tender is a real
   DECP title and CPV placed at a random commune, chosen so that it makes a few leads
   (about 3 on average: the expected leads are computed beforehand in process with the
   same catalog). A consumer bound to ``matching.lead.*`` notes when each ``lead.scored``
   arrives. Sustained rate: tenders / (first publish → last expected lead); latency: from
   a tender's publish to each of its ``lead.scored`` (everything is published at once, so
   this latency includes the wait in the queue).
3. **Half rate**: as many tenders again published at half the rate just measured, for the
   latency of a service that keeps up (``pipeline_half_rate_publish_to_lead_p99_ms``).

Figures: ``pipeline_tenders_per_s`` (target ≥ 1,000), ``pipeline_publish_to_lead_p99_ms``,
``pipeline_events_vs_broker_ratio`` = (tenders in + lead events out) per second over the
bare broker's messages per second (goal ≥ 0.5). By default the service traces everything,
as deployed; ``--trace-ratio 0.1`` samples a tenth of the traces, ``--replicas 2`` runs two
processes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aio_pika
import asyncpg

from chantiers_cli.stack.layout import StackLayout
from chantiers_common import db, migrations
from chantiers_common.bus.messages import message_properties
from chantiers_common.events import Envelope
from chantiers_common.events.common_types import GeoPoint
from chantiers_common.events.prospects import Buyer, Tender, TenderPublished
from chantiers_common.settings import get_settings
from chantiers_testing.bench import write_figures
from chantiers_testing.env import IsolatedEnv
from chantiers_testing.services import ServiceProcess
from matching import sample_catalog
from matching.context import MatchContext
from matching.tender_match import match_tender

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_matching_one_tender import (
    build_context,
    communes,
    decp_titles,
    registry_sites,
)

MIGRATIONS = Path(__file__).resolve().parents[1] / "services/matching/src/matching/migrations"
WINDOW = 512  # publishes in flight, as a relay with confirms keeps them


async def seed(env: IsolatedEnv, sites: list[sample_catalog.Site]) -> None:
    """The catalog straight into matching's tables (not timed), as the events would."""
    settings = env.settings()
    await db.ensure_database(settings, "matching")
    await migrations.upgrade_async(MIGRATIONS, settings.database_url("matching"))
    conn = await asyncpg.connect(db.asyncpg_dsn(settings, settings.database_name("matching")))
    try:
        now = datetime.now(UTC)
        await conn.copy_records_to_table(
            "structures", columns=["siret", "active", "data", "updated_at", "catalog_version"],
            records=[(s.siret, True, s.model_dump_json(), now, 1)
                     for s in sample_catalog.structures(sites)])
        await conn.copy_records_to_table(
            "activities", columns=["id", "siret", "sector", "removed", "data", "updated_at",
                                   "catalog_version"],
            records=[(a.id, a.structure_siret, a.sector, False, a.model_dump_json(), now, 1)
                     for a in sample_catalog.activities(sites, per_structure=5)])
        await conn.execute("UPDATE catalog_version SET version = 1")
    finally:
        await conn.close()


def make_tenders(ctx: MatchContext, count: int, rng: random.Random,
                 ) -> tuple[list[Tender], dict[str, int]]:
    """Tenders that make 1 to 5 leads each (about 3 on average), and their lead counts."""
    titles, places = decp_titles(), communes()
    now = datetime.now(UTC)
    tenders, expected = [], {}
    while len(tenders) < count:
        title, cpv = rng.choice(titles)
        insee, lat, lon = rng.choice(places)
        tender = Tender(
            idweb=f"P{uuid.uuid4().hex[:12]}", nature="APPEL_OFFRE", title=title, cpv_main=cpv,
            buyer=Buyer(name="Acheteur public", siret="21690123100011"),
            departments=[insee[:3] if insee.startswith("97") else insee[:2]],
            commune_insee=insee, location=GeoPoint(lat=lat, lon=lon),
            deadline=now + timedelta(days=20), published_on=now.date(),
            social_criteria=rng.random() < 0.2, family="MAPA", market_types=["SERVICES"])
        leads = len(match_tender(tender, ctx, now))
        if 1 <= leads <= 5:
            tenders.append(tender)
            expected[tender.idweb] = leads
    return tenders, expected


async def bare_broker(env: IsolatedEnv, messages: int, size: int) -> float:
    connection = await aio_pika.connect(env.amqp_url)
    async with connection:
        pub = await connection.channel(publisher_confirms=True)
        sub = await connection.channel()
        await sub.set_qos(prefetch_count=256)
        queue = await sub.declare_queue(f"bench-bare-{uuid.uuid4().hex[:6]}", durable=True,
                                        arguments={"x-queue-type": "quorum"})
        done, received = asyncio.Event(), 0

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal received
            await message.ack()
            received += 1
            if received == messages:
                done.set()

        tag = await queue.consume(on_message)
        body = b"x" * size
        window = asyncio.Semaphore(WINDOW)

        async def send(n: int) -> None:
            async with window:
                await pub.default_exchange.publish(
                    aio_pika.Message(body, message_id=str(n),
                                     delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                    routing_key=queue.name)

        started = time.perf_counter()
        await asyncio.gather(*(send(n) for n in range(messages)))
        await done.wait()
        elapsed = time.perf_counter() - started
        await queue.cancel(tag)  # before the delete, which would cancel it from the broker
        await queue.delete(if_unused=False, if_empty=False)
    return messages / elapsed


class Pipeline:
    def __init__(self, env: IsolatedEnv, expected: dict[str, int]) -> None:
        self.env = env
        self.sent_at: dict[str, float] = {}
        self.latencies: list[float] = []
        self.scored: dict[str, int] = {}
        self.events = 0
        self.last_at = 0.0
        self.done = asyncio.Event()
        self.remaining = sum(expected.values())

    async def on_lead(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        now = time.perf_counter()
        self.events += 1
        raw = json.loads(message.body)
        if raw["type"] != "lead.scored":
            return
        ref = raw["data"]["lead"]["prospect_ref"]
        if ref in self.sent_at:
            self.latencies.append(now - self.sent_at[ref])
            self.scored[ref] = self.scored.get(ref, 0) + 1
            self.remaining -= 1
            self.last_at = now
            if self.remaining <= 0:
                self.done.set()

    async def run(self, tenders: list[Tender], limit: float, rate: float | None = None,
                  ) -> float:
        """Publish the tenders (as fast as confirms allow, or at ``rate`` per second) and
        wait for their leads; returns the seconds from the first publish to the last."""
        connection = await aio_pika.connect(self.env.amqp_url)
        async with connection:
            sub = await connection.channel()
            await sub.set_qos(prefetch_count=1024)
            exchange = await sub.declare_exchange("chantiers.events", "topic", durable=True)
            tap = await sub.declare_queue(exclusive=True)
            await tap.bind(exchange, "matching.lead.*")
            await tap.consume(self.on_lead, no_ack=True)
            pub = await connection.channel(publisher_confirms=True)
            events = await pub.get_exchange("chantiers.events")
            window = asyncio.Semaphore(WINDOW)

            # Serialised beforehand, as prospects' outbox relay publishes events already
            # written (and as the bare broker's client publishes a ready body).
            messages = [(tender.idweb, *outgoing(tender)) for tender in tenders]

            async def send(idweb: str, message: aio_pika.Message, routing_key: str) -> None:
                async with window:
                    self.sent_at[idweb] = time.perf_counter()
                    await events.publish(message, routing_key=routing_key, mandatory=True)

            started = time.perf_counter()
            if rate is None:
                await asyncio.gather(*(send(*m) for m in messages))
            else:
                sends = []
                for n, m in enumerate(messages):
                    await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
                    sends.append(asyncio.create_task(send(*m)))
                await asyncio.gather(*sends)
            published = time.perf_counter()
            try:
                async with asyncio.timeout(limit):
                    await self.done.wait()
            except TimeoutError:
                print(f"!! {self.remaining} leads missing after {limit:.0f} s", file=sys.stderr)
            print(f"publié en {published - started:.1f} s ; dernière piste à "
                  f"{self.last_at - started:.1f} s")
            return self.last_at - started


def outgoing(tender: Tender) -> tuple[aio_pika.Message, str]:
    """``tender.published`` as a relay publishes it, and its routing key."""
    envelope = Envelope.wrap(TenderPublished(tender=tender))
    props = message_properties(event_id=str(envelope.id), event_type=envelope.type,
                               version=envelope.version)
    message = aio_pika.Message(
        envelope.model_dump_json().encode(), message_id=props["message_id"],
        type=props["message_type"], content_type=props["content_type"],
        headers=props["headers"], delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
    return message, envelope.routing_key


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenders", type=int, default=10_000)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--bare", type=int, default=20_000)
    parser.add_argument("--trace-ratio", type=float, default=None,
                        help="sample this share of traces in the service (default: all, as "
                             "deployed); OTEL_TRACES_SAMPLER=parentbased_traceidratio")
    parser.add_argument("--profile", type=Path, default=None,
                        help="py-spy samples of the first replica during the run (raw stacks)")
    args = parser.parse_args()
    rng = random.Random(11)
    sites = registry_sites(rng)
    ctx = build_context(sites)
    warmup, warmup_expected = make_tenders(ctx, 300, rng)
    tenders, expected = make_tenders(ctx, args.tenders, rng)
    paced, paced_expected = make_tenders(ctx, args.tenders // 2, rng)
    leads_per_tender = statistics.fmean(expected.values())
    print(f"{len(tenders)} appels d'offres, {leads_per_tender:.2f} pistes attendues en moyenne")
    settings = get_settings()
    folder = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    env = IsolatedEnv(layout=StackLayout.from_settings(settings), base=settings, folder=folder)
    env.start()
    replicas: list[ServiceProcess] = []
    try:
        await seed(env, sites)
        extra = {} if args.trace_ratio is None else {
            "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
            "OTEL_TRACES_SAMPLER_ARG": str(args.trace_ratio)}
        for n in range(args.replicas):
            port = env.ports["matching"] if n == 0 else None
            replicas.append(ServiceProcess(env, "matching", port=port or _free_port(),
                                           extra_env=extra).start())
        size = len(Envelope.wrap(TenderPublished(tender=tenders[0])).model_dump_json())
        broker_rate = await bare_broker(env, args.bare, size)
        print(f"courtier seul : {broker_rate:.0f} messages/s (persistants, confirmés, consommés)")
        await Pipeline(env, warmup_expected).run(warmup, 120)  # warm-up
        pipeline = Pipeline(env, expected)
        spy = None
        if args.profile:
            assert replicas[0].proc is not None
            spy = await asyncio.create_subprocess_exec(
                str(Path(sys.executable).with_name("py-spy")), "record",
                "-p", str(replicas[0].proc.pid),
                "-o", str(args.profile), "--format", "raw", "-r", "200", "--nonblocking")
        pids = {r.proc.pid for r in replicas if r.proc is not None}
        cpu_before = cpu_seconds(pids)
        elapsed = await pipeline.run(tenders, 600)
        per_tender = {k: v / len(tenders) * 1000
                      for k, v in cpu_used(cpu_before, cpu_seconds(pids)).items()}
        print("CPU par appel d'offres (ms) : " + ", ".join(
            f"{k} {v:.2f}" for k, v in per_tender.items()))
        if spy is not None:
            spy.send_signal(2)
            await spy.wait()
        # Then at half the rate just measured: the latency of a service that keeps up.
        calm = Pipeline(env, paced_expected)
        await calm.run(paced, 600, rate=len(tenders) / elapsed / 2)
        # Wait for the last lead events (updates, if any) to be counted with the rest.
        await asyncio.sleep(1)
    finally:
        for replica in replicas:
            replica.stop()
        # IsolatedEnv.stop drops the databases with asyncio.run: outside this loop.
        await asyncio.to_thread(env.stop)
    leads_in = len(pipeline.latencies)
    tenders_per_s = len(tenders) / elapsed
    events_per_s = (len(tenders) + pipeline.events) / elapsed
    p50, p99 = percentile(pipeline.latencies, 0.5), percentile(pipeline.latencies, 0.99)
    print(f"{leads_in} lead.scored reçus ({leads_in / len(tenders):.2f} par appel d'offres), "
          f"{pipeline.events} événements de pistes ; latence p50 {p50:.0f} ms, p99 {p99:.0f} ms "
          "(file d'attente comprise : tout est publié d'un coup)")
    calm_p50, calm_p99 = percentile(calm.latencies, 0.5), percentile(calm.latencies, 0.99)
    print(f"à {len(tenders) / elapsed / 2:.0f} appels d'offres/s (la moitié) : latence p50 "
          f"{calm_p50:.0f} ms, p99 {calm_p99:.0f} ms")
    sampling = "toutes" if args.trace_ratio is None else f"{args.trace_ratio:.0%}"
    print(f"pipeline : {tenders_per_s:.0f} appels d'offres/s, {events_per_s:.0f} événements/s "
          f"({args.replicas} réplique(s), traces échantillonnées : {sampling}) ; courtier seul "
          f"{broker_rate:.0f} messages/s")
    write_figures("matching_pipeline", {
        "pipeline_tenders_per_s": (round(tenders_per_s, 1), "tenders/s", ">= 1000"),
        "pipeline_publish_to_lead_p99_ms": (round(p99, 1), "ms", "reported"),
        "pipeline_half_rate_publish_to_lead_p99_ms": (round(calm_p99, 1), "ms", "reported"),
        "pipeline_events_vs_broker_ratio": (round(events_per_s / broker_rate, 3), "ratio",
                                            ">= 0.5"),
    })


def cpu_seconds(service_pids: set[int]) -> dict[int, tuple[str, float]]:
    """CPU time used so far by each process of the matching service, RabbitMQ, PostgreSQL
    and this client (from /proc; the broker and the database are shared with whatever
    else runs on the machine)."""
    import os

    tick = os.sysconf("SC_CLK_TCK")
    found: dict[int, tuple[str, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        pid, pgid = int(entry), int(fields[2])
        if pid in service_pids or pgid in service_pids:
            what = "matching"
        elif name == "beam.smp":
            what = "rabbitmq"
        elif name == "postgres":
            what = "postgresql"
        elif pid == os.getpid():
            what = "bench"
        else:
            continue
        found[pid] = (what, (int(fields[11]) + int(fields[12])) / tick)
    return found


def cpu_used(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]],
             ) -> dict[str, float]:
    """Seconds used between two samples, per kind, by the processes alive at both."""
    used = {"matching": 0.0, "rabbitmq": 0.0, "postgresql": 0.0, "bench": 0.0}
    for pid, (what, seconds) in after.items():
        if pid in before:
            used[what] += seconds - before[pid][1]
    return used


def percentile(values: list[float], q: float) -> float:
    """In milliseconds."""
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * q) - 1)] * 1000 if ordered else float("nan")


def _free_port() -> int:
    from chantiers_testing.env import free_port

    return free_port()


if __name__ == "__main__":
    asyncio.run(main())
