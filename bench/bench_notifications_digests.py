"""Daily digests for 10,000 contacts, built and delivered end to end on the local stack.

    .venv/bin/python bench/bench_notifications_digests.py [--contacts 10000] [--leads 10]

Set-up (not timed): an isolated environment on the running stack (its own vhost, database
and SMTP sink process, like the tests), the notifications service as a real process
(``chantiers run notifications``, default settings), then 5,000 structures with 2 contacts
each (daily digest) and 10 leads per structure, all queued for the digest: 10,000 contacts
× 10 leads. The leads are generated from the shapes of real ones (see
``bench_notifications_render.py``): the samples hold too few ACI-like tenders.

Timed, from one clock: the digests are built by the service's own code
(``build_digests_now``, as ``chantiers notify digests --now`` does), and the running
service's sender composes them and delivers them over SMTP to the sink, which writes each
one to disk; the clock stops when the 10,000 deliveries are recorded as sent.
Figures: ``digests_10k_s`` (target ≤ 60 s), and the build and delivery parts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from chantiers_cli.stack.layout import StackLayout
from chantiers_common import db
from chantiers_common.events.common_types import AlertMode
from chantiers_common.events.structures import Contact
from chantiers_common.settings import Settings, get_settings
from chantiers_testing.bench import write_figures
from chantiers_testing.env import IsolatedEnv
from chantiers_testing.services import ServiceProcess
from notifications.digests import build_digests_now

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_notifications_render import make_leads

CONTACTS_PER_STRUCTURE = 2


def children(pid: int) -> set[int]:
    """Child processes of ``pid`` (the service's compose workers)."""
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def fill(settings: Settings, contacts: int, leads_per: int) -> None:
    """Contacts, leads and the digest queue, with COPY (set-up, not measured)."""
    rng = random.Random(20261124)
    now = datetime.now(UTC)
    contact_rows, lead_rows, pending_rows = [], [], []
    for s in range(contacts // CONTACTS_PER_STRUCTURE):
        siret = f"{41234567800000 + s:014d}"
        leads = make_leads(rng, siret, leads_per, now)
        lead_rows += [(lead.id, siret, 1, "active", lead.model_dump_json(), now)
                      for lead in leads]
        for c in range(CONTACTS_PER_STRUCTURE):
            contact = Contact(id=f"bench-{s}-{c}", structure_siret=siret,
                              email=f"contact{s}.{c}@example.org", name=f"Contact {s}-{c}",
                              alert_mode=AlertMode.DAILY, min_score=40)
            contact_rows.append((contact.id, siret, contact.model_dump_json(), now, now))
            pending_rows += [(contact.id, lead.id, now - timedelta(minutes=10))
                             for lead in leads]
    conn = await asyncpg.connect(db.asyncpg_dsn(settings, settings.database_name(
        "notifications")))
    try:
        await conn.copy_records_to_table(
            "contacts", records=contact_rows,
            columns=["id", "siret", "data", "event_at", "updated_at"])
        await conn.copy_records_to_table(
            "leads", records=lead_rows,
            columns=["id", "siret", "version", "status", "data", "updated_at"])
        await conn.copy_records_to_table(
            "digest_pending", records=pending_rows,
            columns=["contact_id", "lead_id", "queued_at"])
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    print(f"set-up: {len(contact_rows)} contacts, {len(lead_rows)} leads, "
          f"{len(pending_rows)} queued", flush=True)


async def build(settings: Settings) -> int:
    engine = db.make_engine(settings.database_url("notifications"), pool_size=2)
    try:
        made = await build_digests_now(db.make_sessions(engine), force=True)
    finally:
        await engine.dispose()
    return made[next(p for p in made if p.startswith("daily:"))]


async def wait_sent(settings: Settings, expected: int, limit_s: float) -> float:
    conn = await asyncpg.connect(db.asyncpg_dsn(settings, settings.database_name(
        "notifications")))
    try:
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            row = await conn.fetchrow(
                "SELECT count(*) FILTER (WHERE status = 'sent') AS sent, "
                "count(*) FILTER (WHERE status NOT IN ('sent', 'pending', 'sending')) AS bad "
                "FROM deliveries")
            if row["bad"]:
                reasons = await conn.fetch(
                    "SELECT status, last_error, count(*) AS n FROM deliveries "
                    "WHERE status NOT IN ('sent', 'pending', 'sending') "
                    "GROUP BY status, last_error")
                raise RuntimeError(f"{row['bad']} deliveries failed or skipped: "
                                   f"{[dict(r) for r in reasons]}")
            if row["sent"] >= expected:
                return time.perf_counter()
            await asyncio.sleep(0.2)
    finally:
        await conn.close()
    raise TimeoutError(f"not all {expected} digests sent within {limit_s} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--leads", type=int, default=10)
    args = parser.parse_args()

    base = get_settings()
    folder = base.run_dir / "bench" / "notifications-digests"
    shutil.rmtree(folder, ignore_errors=True)
    env = IsolatedEnv(layout=StackLayout.from_settings(base), base=base, folder=folder)
    env.start()
    settings = env.settings()
    try:
        # The scheduler would find nothing due anyway; it is kept from waking meanwhile.
        service = ServiceProcess(env, "notifications",
                                 extra_env={"CHANTIERS_NOTIFY_DIGEST_CHECK_S": "3600"}).start()
        try:
            asyncio.run(fill(settings, args.contacts, args.leads))
            assert service.proc is not None
            # The SMTP sink is started first by the environment, then the trace sink.
            sink, traces = env._sinks[0], env._sinks[1]
            workers = children(service.proc.pid)
            cpu_before = (cpu_s(service.proc.pid), cpu_s(sink.pid), cpu_s(traces.pid))
            started = time.perf_counter()
            made = asyncio.run(build(settings))
            built = time.perf_counter()
            done = asyncio.run(wait_sent(settings, made, limit_s=900))
            service_cpu = cpu_s(service.proc.pid) - cpu_before[0]
            sink_cpu = cpu_s(sink.pid) - cpu_before[1]
            traces_cpu = cpu_s(traces.pid) - cpu_before[2]
            # The compose workers are started at the first batch, after `workers` above.
            workers_cpu = sum(cpu_s(pid) for pid in children(service.proc.pid)
                              if pid not in workers)
        finally:
            service.stop()
        on_disk = len(env.emails())
        sizes = [p.stat().st_size for p in env.emails()[:200]]
    finally:
        env.stop()
        shutil.rmtree(folder, ignore_errors=True)

    if made != args.contacts or on_disk != made:
        raise SystemExit(f"expected {args.contacts} digests: built {made}, {on_disk} in the "
                         "SMTP sink")
    total = done - started
    print(f"{made} digests of {args.leads} leads, ~{sum(sizes) / len(sizes) / 1024:.0f} KiB "
          f"each: built in {built - started:.1f} s, delivered in {done - built:.1f} s "
          f"({made / (done - built):.0f}/s)")
    # CPU used, whatever else runs on the machine: what the elapsed time would be
    # on two idle cores is bounded below by these.
    print(f"CPU: notifications service {service_cpu:.1f} s "
          f"({service_cpu / made * 1000:.2f} ms/digest) + compose workers "
          f"{workers_cpu:.1f} s, SMTP sink {sink_cpu:.1f} s, trace sink {traces_cpu:.1f} s; "
          f"load average {os.getloadavg()[0]:.1f}")
    name = "digests_10k_s" if args.contacts == 10_000 else f"digests_{args.contacts}_s"
    write_figures("notifications_digests", {
        name: (round(total, 1), "s", "≤ 60"),
        "digests_build_s": (round(built - started, 1), "s", "part of the above"),
        "digests_delivered_per_s": (round(made / (done - built)), "digests/s", "≥ 170"),
        "digests_sender_cpu_ms": (round((service_cpu + workers_cpu) / made * 1000, 2),
                                  "ms/digest", "≤ 5"),
    })


if __name__ == "__main__":
    main()
