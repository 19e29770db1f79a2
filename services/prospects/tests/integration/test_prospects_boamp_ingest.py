"""BOAMP notices on the real stack: idempotent loads, exactly one event for a changed
notice, quarantine that does not stop a file, files that commit nothing, and the live
connector's command against a local fake of the open-data API."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chantiers_common.events import Envelope
from chantiers_common.events.prospects import TenderUpdated
from chantiers_testing.env import IsolatedEnv
from chantiers_testing.services import run_cli
from prospects.boamp import event_for, parse_record
from prospects.commands import load_boamp, load_boamp_live

pytestmark = pytest.mark.stack

FULL = "boamp/boamp_full_records_45.json"


def records(data_dir: Path) -> list[dict[str, Any]]:
    return json.loads((data_dir / FULL).read_text(encoding="utf-8"))["results"]


def write_page(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"results": rows}, ensure_ascii=False), encoding="utf-8")
    return path


async def test_a_second_load_publishes_nothing_and_a_change_exactly_one_update(
    isolated_env: IsolatedEnv, probe, database, data_dir: Path, tmp_path: Path
) -> None:
    settings = isolated_env.settings()
    rows = records(data_dir)
    first = write_page(tmp_path / "notices.json", rows)

    report, published, problem = await load_boamp(first, settings=settings)
    assert problem is None and report.new == report.valid == published == 45
    events = await probe.collect(expect=45)
    # Each notice's own nature decides (some of the 45 are corrections).
    expected = Counter(event_for(parse_record(r)).event_type for r in rows)
    assert Counter(e["type"] for e in events) == expected and expected["tender.published"] > 30
    assert {e["data"]["tender"]["idweb"] for e in events} == {r["idweb"] for r in rows}

    report, published, _ = await load_boamp(first, settings=settings)
    assert (report.unchanged, report.new, report.updated, published) == (45, 0, 0, 0)
    assert await probe.collect(quiet=1.5) == []

    changed = copy.deepcopy(rows)
    changed[3]["objet"] = "Entretien des espaces verts des résidences (lot unique)"
    assert parse_record(changed[3]) != parse_record(rows[3])
    report, published, _ = await load_boamp(write_page(tmp_path / "v2.json", changed),
                                            settings=settings)
    assert (report.updated, report.unchanged, published) == (1, 44, 1)
    [event] = await probe.collect(expect=1, quiet=1.5)
    update = Envelope[TenderUpdated].model_validate(event)
    assert update.type == "tender.updated" and update.producer == "prospects"
    assert update.data.tender.idweb == rows[3]["idweb"]
    assert update.data.tender.title.startswith("Entretien des espaces verts")
    [stored] = await database.fetch("SELECT title FROM tenders WHERE idweb = $1",
                                    rows[3]["idweb"])
    assert stored["title"] == update.data.tender.title


async def test_a_bad_notice_is_quarantined_and_the_file_goes_on(
    isolated_env: IsolatedEnv, probe, database, data_dir: Path, tmp_path: Path
) -> None:
    rows = records(data_dir)[:10]
    rows[4] = {**rows[4], "donnees": '{"FNSimple": {"initial": '}  # cut short
    report, published, _ = await load_boamp(write_page(tmp_path / "n.json", rows),
                                            settings=isolated_env.settings())
    assert (report.read, report.valid, report.quarantined, published) == (10, 9, 1, 9)
    assert len(await probe.collect(expect=9)) == 9
    [kept] = await database.fetch("SELECT kind, ref, reason, raw FROM quarantine")
    assert (kept["kind"], kept["ref"]) == ("boamp", rows[4]["idweb"])
    assert "donnees" in kept["reason"] and "JSON" in kept["reason"]
    assert json.loads(kept["raw"])["donnees"] == rows[4]["donnees"]
    assert await database.count("tenders") == 9
    # Loaded again: the same bad record is not kept twice.
    await load_boamp(write_page(tmp_path / "n.json", rows), settings=isolated_env.settings())
    assert await database.count("quarantine") == 1


async def test_a_truncated_file_commits_nothing_and_says_where(
    isolated_env: IsolatedEnv, probe, database, data_dir: Path, tmp_path: Path
) -> None:
    text = json.dumps({"results": records(data_dir)}, ensure_ascii=False)
    path = tmp_path / "cut.json"
    path.write_text(text[: int(len(text) * 0.8)], encoding="utf-8")
    result = run_cli(isolated_env, "ingest", "boamp", str(path), check=False)
    assert result.returncode == 1
    assert "cut.json" in result.stderr and "Nothing was loaded" in result.stderr
    assert await database.count("tenders") == 0 and await database.count("outbox") == 0
    assert await probe.collect(quiet=1.0) == []


def _fake_ods() -> Any:
    path = Path(__file__).parents[1] / "unit" / "fake_boamp_ods.py"
    spec = importlib.util.spec_from_file_location("prospects_it_fake_boamp_ods", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.FakeOds


async def test_boamp_live_pulls_notices_since_a_date_like_a_file(
    isolated_env: IsolatedEnv, probe, database, data_dir: Path
) -> None:
    rows = records(data_dir)
    fake = _fake_ods()(rows).start()
    try:
        days = sorted(r["dateparution"] for r in rows)
        since, until = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
        report, published, _ = await load_boamp_live(
            since, until, base_url=fake.url, settings=isolated_env.settings())
        assert report.new == published == 45
        assert len(await probe.collect(expect=45)) == 45
        # Through the command, on a narrower period: everything is already known.
        result = run_cli(isolated_env, "ingest", "boamp-live", "--since", days[0],
                         "--until", days[10], "--api-url", fake.url)
        assert "unchanged" in result.stderr and "0 event(s) published" in result.stderr
        assert await probe.collect(quiet=1.0) == []
        bad = run_cli(isolated_env, "ingest", "boamp-live", "--since", "2024-13-01",
                      check=False)
        assert bad.returncode == 2 and "--since" in bad.stderr
    finally:
        fake.stop()
    [source] = await database.fetch("SELECT DISTINCT source FROM tenders")
    assert source["source"].startswith("boamp-api ")
