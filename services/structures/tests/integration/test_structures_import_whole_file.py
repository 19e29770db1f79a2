"""The whole registry file (3,853 real records) through the real command, twice: every
valid structure is loaded with its suggested activities and demo contacts, and the
second run changes and publishes nothing. Prints the import times (run with -s)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from chantiers_testing.services import run_cli
from structures.siae_file import read_siae_file

pytestmark = [pytest.mark.stack, pytest.mark.slow]


def report(output: str) -> dict[str, int]:
    values = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) == 2 and cells[1].isdigit():
            values[cells[0]] = int(cells[1])
    return values


async def test_the_whole_file_loads_once_and_only_once(registry, data_dir: Path):
    path = data_dir / "siae/lemarche_01_siaes.json"
    parsed = read_siae_file(path)

    started = time.monotonic()
    cold = report(await asyncio.to_thread(
        lambda: run_cli(registry.env, "ingest", "siae", str(path), "--demo-contacts").stderr))
    cold_s = time.monotonic() - started
    await registry.published()
    stats = (await registry.http.get("/stats")).json()
    suggestions = sum(len(r.suggestions) for r in parsed.records)
    assert cold["new"] == stats["structures"] == len(parsed.records) > 3800
    assert cold["rejected"] == len(parsed.rejected)
    assert cold["activities"] == stats["activities"] == suggestions
    assert cold["contacts"] == stats["contacts"] == sum(1 for r in parsed.records
                                                       if r.contact_email)
    assert cold["events"] == await registry.outbox_count() == (
        len(parsed.records) + suggestions + cold["contacts"])

    started = time.monotonic()
    second = report(await asyncio.to_thread(
        lambda: run_cli(registry.env, "ingest", "siae", str(path), "--demo-contacts").stderr))
    second_s = time.monotonic() - started
    assert second["unchanged"] == len(parsed.records)
    assert second["new"] == second["updated"] == second["events"] == 0
    assert await registry.outbox_count() == cold["events"]
    print(f"\nwhole SIAE file: {len(parsed.records)} structures, {cold['events']} events; "
          f"cold import {cold_s:.1f} s, second run {second_s:.1f} s (CLI processes, "
          f"publishing included)")
    # A guard against per-record round trips creeping back (they took ~20 s alone).
    assert cold_s < 90
