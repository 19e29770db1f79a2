"""The live connector against a local fake of the opendatasoft API (real HTTP on
127.0.0.1) serving the shipped records: windows, splitting, retries, refusals."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chantiers_common.settings import data_dir
from prospects.boamp import parse_record, read_records
from prospects.boamp.live import BoampApiError, BoampClient

BOAMP = data_dir() / "boamp"


def _load_fake() -> Any:
    path = Path(__file__).with_name("fake_boamp_ods.py")
    spec = importlib.util.spec_from_file_location("prospects_boamp_fake_ods", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


FakeOds = _load_fake().FakeOds


@pytest.fixture(scope="module")
def titles() -> list[dict[str, Any]]:
    return list(read_records(BOAMP / "boamp_titles_8000.json"))


@pytest.fixture
def fake(titles):
    server = FakeOds(titles, max_offset=500).start()
    yield server
    server.stop()


async def _no_sleep(seconds: float) -> None:
    _no_sleep.calls.append(seconds)  # type: ignore[attr-defined]


_no_sleep.calls = []  # type: ignore[attr-defined]


def _client(fake, **options: Any) -> BoampClient:
    return BoampClient(fake.url, window_days=options.pop("window_days", 366),
                       max_window_records=500, sleep=_no_sleep, **options)


async def test_pulls_every_notice_once_and_splits_crowded_windows(fake, titles) -> None:
    since, until = date(2023, 1, 1), date(2023, 12, 31)
    expected = {r["idweb"] for r in titles if "2023-01-01" <= r["dateparution"] <= "2023-12-31"}
    assert len(expected) > 500  # the year cannot be paged in one window
    async with _client(fake) as client:
        got = [record async for record in client.notices_since(since, until)]
    assert sorted(r["idweb"] for r in got) == sorted(expected)
    assert all(int(q["offset"]) + int(q["limit"]) <= 500 for q in fake.requests)
    windows = {q["where"] for q in fake.requests}
    assert len(windows) > 2  # the year was split
    assert all(parse_record(r).nature_inferred for r in got[:5])


async def test_retries_429_and_503_honouring_retry_after(fake) -> None:
    fake.faults.extend([(429, {"Retry-After": "7"}), (503, {})])
    _no_sleep.calls.clear()
    async with _client(fake, window_days=7, backoff_base=0.5) as client:
        got = [r async for r in client.notices_since(date(2024, 7, 1), date(2024, 7, 2))]
    assert {r["idweb"] for r in got} >= {"24-76932", "24-76638"}
    assert client.retries == 2
    assert _no_sleep.calls[0] == 7.0  # Retry-After
    assert 0.25 <= _no_sleep.calls[1] <= 1.0  # back-off of the second attempt


async def test_timeouts_are_retried_then_give_up(fake) -> None:
    fake.stall_seconds = 1.0
    fake.faults.append(("stall", {}))
    async with _client(fake, window_days=7, timeout=0.3) as client:
        got = [r async for r in client.notices_since(date(2024, 7, 1), date(2024, 7, 2))]
    assert got and client.retries == 1
    fake.faults.extend([(503, {})] * 3)
    async with _client(fake, window_days=7, max_attempts=3) as client:
        with pytest.raises(BoampApiError, match="après 3 essais"):
            [r async for r in client.notices_since(date(2024, 7, 1), date(2024, 7, 2))]


async def test_refusals_are_not_retried(fake) -> None:
    fake.faults.append((400, {}))
    async with _client(fake) as client:
        with pytest.raises(BoampApiError, match="refusé la requête \\(400\\) : scripted"):
            [r async for r in client.notices_since(date(2024, 7, 1))]
    assert client.requests == 1


async def test_a_single_day_above_the_limit_is_an_error(titles) -> None:
    crowded = [dict(r, dateparution="2024-07-02") for r in titles[:600]]
    server = FakeOds(crowded, max_offset=500).start()
    try:
        async with BoampClient(server.url, max_window_records=500, sleep=_no_sleep) as client:
            with pytest.raises(BoampApiError, match="600 avis publiés le 2024-07-02"):
                [r async for r in client.notices_since(date(2024, 7, 1), date(2024, 7, 3))]
    finally:
        server.stop()

