"""`chantiers classify boamp PATH --json` on the real BOAMP files.

The command reads the file through `chantiers ingest boamp --dry-run --json` (a
subprocess: matching does not import prospects), so each test pays one CLI start-up;
the classification itself is in-process here (typer's runner).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chantiers_common.settings import data_dir
from matching.classification import MATCH_THRESHOLD, sector_names
from matching.classify_command import app

BOAMP = data_dir() / "boamp"


def run(*args: str) -> list[dict]:
    result = CliRunner().invoke(app, ["boamp", *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def idwebs_of(path: Path) -> set[str]:
    payload = json.loads(path.read_text(encoding="utf-8"))
    records = payload["results"] if isinstance(payload, dict) else payload
    return {record["idweb"] for record in records}


@pytest.fixture(scope="module")
def full_records() -> list[dict]:
    return run(str(BOAMP / "boamp_full_records_45.json"), "--json", "--all-sectors")


def test_one_json_line_per_notice_of_the_full_records(full_records: list[dict]) -> None:
    assert {line["idweb"] for line in full_records} == idwebs_of(
        BOAMP / "boamp_full_records_45.json"
    )
    known = set(sector_names())
    for line in full_records:
        assert set(line) == {"idweb", "sectors"}
        confidences = [sector["confidence"] for sector in line["sectors"]]
        assert confidences == sorted(confidences, reverse=True)
        for sector in line["sectors"]:
            assert set(sector) == {"slug", "confidence", "evidence"}
            assert sector["slug"] in known
            assert 0.0 < sector["confidence"] <= 1.0
            assert sector["evidence"] and all(isinstance(e, str) for e in sector["evidence"])


def test_the_full_records_use_cpv_descriptors_and_description(full_records: list[dict]) -> None:
    by_id = {line["idweb"]: line["sectors"] for line in full_records}
    cleaning = next(s for s in by_id["15-31438"] if s["slug"] == "nettoyage-de-locaux-16")
    assert cleaning["confidence"] >= MATCH_THRESHOLD
    assert "CPV 90900000" in cleaning["evidence"]  # from `donnees`, not from the title
    assert "descripteur BOAMP « Nettoyage de locaux »" in cleaning["evidence"]
    assert any(e.endswith("(description)") for e in cleaning["evidence"])
    # An insurance contract has no sector at the threshold.
    assert all(s["confidence"] < MATCH_THRESHOLD for s in by_id["15-31324"])


def test_without_all_sectors_only_matched_sectors_are_printed(full_records: list[dict]) -> None:
    matched = run(str(BOAMP / "boamp_full_records_45.json"), "--json")
    everything = {line["idweb"]: line["sectors"] for line in full_records}
    assert any(s["confidence"] < MATCH_THRESHOLD for ss in everything.values() for s in ss)
    for line in matched:
        assert line["sectors"] == [
            s for s in everything[line["idweb"]] if s["confidence"] >= MATCH_THRESHOLD
        ]


def test_title_only_records_are_classified_on_their_title() -> None:
    lines = run(str(BOAMP / "boamp_titles_8000.json"), "--json")
    assert len(lines) == 8000
    assert {line["idweb"] for line in lines} == idwebs_of(BOAMP / "boamp_titles_8000.json")
    with_sector = [line for line in lines if line["sectors"]]
    # Mostly studies: a few hundred titles at most name a trade (LABELING.md).
    assert 50 < len(with_sector) < 1600
    evidence = [e for line in with_sector for s in line["sectors"] for e in s["evidence"]]
    assert not any(e.startswith(("CPV", "descripteur")) for e in evidence)  # titles only
