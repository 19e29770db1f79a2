"""SIRENE StockEtablissement ingest speed, on a generated realistic 1M-row file.

    .venv/bin/python bench/bench_prospects_sirene_parse.py            # parse + transform
    .venv/bin/python bench/bench_prospects_sirene_parse.py --dsn postgresql://…  # + COPY

The file is written once under .run/bench/ by ``generate_stock_file`` (real INSEE header,
realistic codes, communes and Lambert coordinates; see ``prospects.sirene.generator``).
Each measurement runs in a fresh child process, so that its peak RSS is its own.

Figures printed (one ``name value`` per line):
* ``sirene_parse_rows_per_s`` / ``sirene_parse_peak_mb``: read + transform into COPY
  tuples, rows of the file per second (closed ones are read and dropped);
* with ``--dsn``: ``sirene_ingest_rows_per_s`` / ``sirene_ingest_peak_mb`` for read +
  transform + ``copy_records_to_table`` (binary) into a fresh table, all in one
  transaction, the next batch being parsed in a thread while the current one is copied;
  ``sirene_copy_rows_per_s`` for a bare COPY of the same pre-made tuples (the same
  batches copied again, timed alone), and ``sirene_ingest_vs_copy_ratio`` = ingest time /
  bare COPY time of the same kept rows… expressed as bare-COPY time over ingest time (1.0
  would mean parsing costs nothing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO / ".run" / "bench"


def bench_file(rows: int, seed: int) -> Path:
    path = BENCH_DIR / f"sirene_StockEtablissement_{rows}_seed{seed}.csv"
    if not path.exists():
        from prospects.sirene import generate_stock_file

        started = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        generate_stock_file(tmp, rows, seed)
        tmp.rename(path)
        print(f"# generated {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def peak_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux carries ru_maxrss over from
    the parent across fork+exec, so a child would report the generator's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_parse(path: Path, batch_size: int) -> dict[str, float]:
    from prospects.sirene import SireneStats, read_establishments
    from prospects.sirene.communes import load_communes

    load_communes()  # reference data, loaded once per process: not part of the rate
    total = SireneStats()
    started = time.perf_counter()
    for batch in read_establishments(path, batch_size=batch_size):
        total += batch.stats
        assert len(batch.rows) == batch.stats.kept  # the COPY tuples (made on demand)
    elapsed = time.perf_counter() - started
    return {
        "sirene_parse_rows_per_s": total.read / elapsed,
        "sirene_parse_kept_rows_per_s": total.kept / elapsed,
        "sirene_parse_peak_mb": peak_mb(),
        "rows_read": total.read,
        "rows_kept": total.kept,
        "seconds": elapsed,
    }


def _next_with_rows(batches):  # type: ignore[no-untyped-def]
    batch = next(batches, None)
    if batch is not None:
        batch.rows  # noqa: B018 (made on first use: here, in the thread)
    return batch


async def _ingest(path: Path, dsn: str, batch_size: int) -> dict[str, float]:
    import asyncpg

    from prospects.sirene import COPY_COLUMN_TYPES, COPY_COLUMNS, read_establishments
    from prospects.sirene.communes import load_communes

    load_communes()
    conn = await asyncpg.connect(dsn)
    columns = ", ".join(f"{name} {kind}" for name, kind in COPY_COLUMN_TYPES.items())
    await conn.execute(f"DROP TABLE IF EXISTS bench_sirene; CREATE TABLE bench_sirene ({columns})")
    batches = read_establishments(path, batch_size=batch_size)
    read = kept = 0
    copy_seconds = 0.0
    started = time.perf_counter()
    async with conn.transaction():
        # Parse the next batch (and make its tuples) in a thread while PostgreSQL takes
        # the current one.
        pending = asyncio.create_task(asyncio.to_thread(_next_with_rows, batches))
        while (batch := await pending) is not None:
            pending = asyncio.create_task(asyncio.to_thread(_next_with_rows, batches))
            await conn.copy_records_to_table(
                "bench_sirene", records=batch.rows, columns=COPY_COLUMNS
            )
            read += batch.stats.read
            kept += batch.stats.kept
    ingest_seconds = time.perf_counter() - started
    ingest_peak = peak_mb()
    count = await conn.fetchval("SELECT count(*) FROM bench_sirene")
    assert count == kept, (count, kept)

    # Bare COPY of the same rows as pre-made tuples: parse again (untimed), copy timed.
    await conn.execute("TRUNCATE bench_sirene")
    async with conn.transaction():
        for batch in read_establishments(path, batch_size=batch_size):
            t0 = time.perf_counter()
            await conn.copy_records_to_table(
                "bench_sirene", records=batch.rows, columns=COPY_COLUMNS
            )
            copy_seconds += time.perf_counter() - t0
    await conn.execute("DROP TABLE bench_sirene")
    await conn.close()
    return {
        "sirene_ingest_rows_per_s": read / ingest_seconds,
        "sirene_ingest_kept_rows_per_s": kept / ingest_seconds,
        "sirene_ingest_peak_mb": ingest_peak,
        "sirene_copy_rows_per_s": kept / copy_seconds,
        "sirene_ingest_vs_copy_ratio": copy_seconds / ingest_seconds,
        "rows_read": read,
        "rows_kept": kept,
        "ingest_seconds": ingest_seconds,
        "copy_seconds": copy_seconds,
    }


def run_child(mode: str, path: Path, args: argparse.Namespace) -> dict[str, float]:
    command = [
        sys.executable,
        __file__,
        "--child",
        mode,
        "--file",
        str(path),
        "--batch-size",
        str(args.batch_size),
    ]
    if args.dsn:
        command += ["--dsn", args.dsn]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=50_000)
    parser.add_argument("--dsn", help="PostgreSQL DSN: also measure the COPY path")
    parser.add_argument("--child", choices=["parse", "ingest"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "parse":
        print(json.dumps(child_parse(args.file, args.batch_size)))
        return
    if args.child == "ingest":
        print(json.dumps(asyncio.run(_ingest(args.file, args.dsn, args.batch_size))))
        return
    path = bench_file(args.rows, args.seed)
    results = run_child("parse", path, args)
    if args.dsn:
        results |= run_child("ingest", path, args)
    for name, value in results.items():
        print(f"{name} {value:.3f}" if isinstance(value, float) else f"{name} {value}")


if __name__ == "__main__":
    main()
