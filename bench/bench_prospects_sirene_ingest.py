"""SIRENE full-stock ingest on the running local stack: rows/s, peak memory, and the
ratio to a bare COPY of the same rows measured in the same run.

    .venv/bin/python bench/bench_prospects_sirene_ingest.py [--rows 1000000] [--repeat 2]

The file is a realistic StockEtablissement of ``--rows`` rows (real INSEE header, real
codes, communes and Lambert coordinates; ``prospects.sirene.generate_stock_file``),
written once under .run/bench/ and reused. Each run loads it into a fresh database of
the local stack (an ``IsolatedEnv``: its own databases and vhost) through
``prospects.company_loads.load_sirene``, which is what ``chantiers ingest sirene`` runs
(the command adds a progress bar and prints the report): read, convert, fingerprint,
COPY, one transaction, companies.bulk_loaded events in the outbox, commit. The run is a
child process of its own, so that its peak RSS (VmHWM) is its own.

Figures (best run when repeated; every run is printed):
* ``sirene_ingest_rows_per_s``: rows of the file (closed ones included: they are read
  and dropped) per second, from the start of the load to its commit;
* ``sirene_ingest_peak_mb``: peak RSS of the loading process;
* ``sirene_ingest_vs_copy_ratio``: bare COPY time / ingest time, where the bare COPY
  takes the same kept rows, already converted into tuples, into a table without index
  (1.0 would mean that reading, converting, comparing, indexing and the events cost
  nothing beyond the COPY itself);
* also: publishing the events to RabbitMQ (``sirene_publish_s``), the machine's load
  while measuring (the machine is shared: with other work running, the wall-clock rate
  says more about the neighbours than about the code), and the CPU time of the loading
  process and of its PostgreSQL backends, which does not depend on the neighbours.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def bench_file(rows: int, seed: int) -> Path:
    from chantiers_testing.bench import bench_dir

    path = bench_dir() / f"sirene_StockEtablissement_{rows}_seed{seed}.csv"
    if not path.exists():
        from prospects.sirene import generate_stock_file

        started = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        generate_stock_file(tmp, rows, seed)
        tmp.rename(path)
        print(f"# generated {path} in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def peak_mb() -> float:
    """VmHWM, not ru_maxrss (Linux carries ru_maxrss over from the parent at exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_busy() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_ingest(path: Path) -> dict[str, float]:
    from prospects.company_loads import load_sirene

    before = _cpu_s()
    report, published, problem = asyncio.run(load_sirene(path))
    if problem:
        raise SystemExit(f"events not published: {problem}")
    return {
        "read": report.read,
        "kept": report.new + report.updated + report.unchanged,
        "new": report.new,
        "events": report.events,
        "published": published or 0,
        "load_s": report.seconds["load"],
        "publish_s": report.seconds["publish"],
        "peak_mb": peak_mb(),
        "cpu_s": _cpu_s() - before,  # load and publish, not the imports
        "mode": report.mode,
    }


def _process_cpu_s(pid: int, ticks: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # gone
        return None
    return (int(fields[11]) + int(fields[12])) / ticks


class BackendCpu(threading.Thread):
    """CPU seconds of the PostgreSQL backends serving one database, sampled while they
    live (a backend's /proc entry goes with it)."""

    def __init__(self, dsn: str, database: str) -> None:
        super().__init__(daemon=True)
        self.dsn, self.database = dsn, database
        self.seen: dict[int, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        asyncio.run(self._watch())

    async def _watch(self) -> None:
        import asyncpg

        conn = await asyncpg.connect(self.dsn)
        ticks = os.sysconf("SC_CLK_TCK")
        try:
            while not self.done.is_set():
                pids = [r["pid"] for r in await conn.fetch(
                    "SELECT pid FROM pg_stat_activity WHERE datname = $1", self.database)]
                for pid in pids:
                    if (seconds := _process_cpu_s(pid, ticks)) is not None:
                        self.seen[pid] = seconds
                await asyncio.sleep(0.1)
        finally:
            await conn.close()

    def stop(self) -> float:
        self.done.set()
        self.join()
        return sum(self.seen.values())


async def _bare_copy(path: Path) -> dict[str, float]:
    import asyncpg

    from chantiers_common import db
    from chantiers_common.settings import get_settings
    from prospects.defaults import LOAD_BATCH_SIZE
    from prospects.sirene import COPY_COLUMN_TYPES, COPY_COLUMNS, read_establishments

    settings = get_settings()
    conn = await asyncpg.connect(db.asyncpg_dsn(settings, settings.database_name("prospects")))
    columns = ", ".join(f"{name} {kind}" for name, kind in COPY_COLUMN_TYPES.items())
    await conn.execute(f"DROP TABLE IF EXISTS bare_copy; CREATE TABLE bare_copy ({columns})")
    seconds, rows = 0.0, 0
    async with conn.transaction():
        for batch in read_establishments(path, batch_size=LOAD_BATCH_SIZE):
            records = batch.rows  # converted before the clock starts
            started = time.perf_counter()
            await conn.copy_records_to_table("bare_copy", records=records, columns=COPY_COLUMNS)
            seconds += time.perf_counter() - started
            rows += len(records)
    await conn.execute("DROP TABLE bare_copy")
    await conn.close()
    return {"copy_s": seconds, "copied": rows}


def run_child(mode: str, path: Path, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--file", str(path)],
        env=env, check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def one_run(path: Path) -> dict[str, float]:
    from chantiers_cli.stack.layout import StackLayout
    from chantiers_common.settings import get_settings
    from chantiers_testing.env import IsolatedEnv, subprocess_env

    settings = get_settings()
    env = IsolatedEnv(layout=StackLayout.from_settings(settings), base=settings,
                      folder=Path(tempfile.mkdtemp(prefix="bench-sirene-")))
    env.start()
    try:
        from chantiers_common import db

        child_env = subprocess_env(env)
        env_settings = env.settings()
        watcher = BackendCpu(db.asyncpg_dsn(env_settings, "postgres"),
                             env_settings.database_name("prospects"))
        watcher.start()
        load_before = os.getloadavg()[0]
        busy0, total0 = cpu_busy()
        result = run_child("ingest", path, child_env)
        busy1, total1 = cpu_busy()
        result["pg_cpu_s"] = watcher.stop()
        result["load_1m_before"] = load_before
        result["load_1m_after"] = os.getloadavg()[0]
        result["machine_busy_pct"] = 100 * (busy1 - busy0) / max(1, total1 - total0)
        result |= run_child("copy", path, child_env)
    finally:
        env.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", choices=["ingest", "copy"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "ingest":
        print(json.dumps(child_ingest(args.file)))
        return
    if args.child == "copy":
        print(json.dumps(asyncio.run(_bare_copy(args.file))))
        return

    from chantiers_testing.bench import write_figures

    path = bench_file(args.rows, args.seed)
    runs = []
    for number in range(1, args.repeat + 1):
        run = one_run(path)
        runs.append(run)
        print(f"run {number}: {run['read']:,} rows read, {run['kept']:,} kept ({run['mode']}), "
              f"load {run['load_s']:.1f} s = {run['read'] / run['load_s']:,.0f} rows/s, "
              f"peak {run['peak_mb']:.0f} MB, CPU {run['cpu_s']:.1f} s "
              f"(+ PostgreSQL {run['pg_cpu_s']:.1f} s); "
              f"{run['events']} events published in {run['publish_s']:.1f} s; "
              f"bare COPY {run['copy_s']:.1f} s; machine load {run['load_1m_before']:.1f}"
              f"→{run['load_1m_after']:.1f}, busy {run['machine_busy_pct']:.0f} %", flush=True)
        assert run["new"] == run["kept"] == run["copied"] and run["events"] == run["published"]
    best = min(runs, key=lambda r: r["load_s"])
    write_figures("prospects_sirene", {
        "sirene_ingest_rows_per_s": (round(best["read"] / best["load_s"]), "rows/s",
                                     "≥ 100000"),
        "sirene_ingest_peak_mb": (round(max(r["peak_mb"] for r in runs), 1), "MB", "< 500"),
        "sirene_ingest_vs_copy_ratio": (round(best["copy_s"] / best["load_s"], 3),
                                        "bare COPY time / ingest time", "report"),
        "sirene_ingest_kept_rows_per_s": (round(best["kept"] / best["load_s"]), "rows/s",
                                          "report"),
        "sirene_bare_copy_rows_per_s": (round(best["copied"] / best["copy_s"]), "rows/s",
                                        "report"),
        "sirene_publish_s": (round(best["publish_s"], 2), "s", "report"),
        "sirene_ingest_machine_load_1m": (round(best["load_1m_after"], 2), "load average",
                                          "report"),
        "sirene_ingest_machine_busy_pct": (round(best["machine_busy_pct"]), "%", "report"),
        "sirene_ingest_cpu_s": (round(best["cpu_s"], 1), "CPU s (loader, load + publish)",
                                "report"),
        "sirene_ingest_pg_cpu_s": (round(best["pg_cpu_s"], 1), "CPU s (its PostgreSQL backends)",
                                   "report"),
    })


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
