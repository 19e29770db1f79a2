"""The realistic StockEtablissement generator: real header, determinism, distributions."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
from pyproj import Geod

from chantiers_common.settings import data_dir
from prospects.sirene import COPY_COLUMNS, SireneStats, generate_stock_file, read_establishments
from prospects.sirene.communes import load_communes

ROWS = 20_000
REAL = data_dir() / "sirene" / "trackdechets_StockEtablissement_utf8_sample.csv"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sirene") / "StockEtablissement_utf8.csv"
    generate_stock_file(path, ROWS, seed=7)
    return path


@pytest.fixture(scope="module")
def records(generated: Path) -> list[dict[str, str]]:
    with generated.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def luhn_ok(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def test_header_is_the_real_one(generated: Path) -> None:
    real = REAL.open(encoding="utf-8").readline()
    assert generated.open(encoding="utf-8").readline() == real


def test_same_seed_same_file_other_seed_other_file(generated: Path, tmp_path: Path) -> None:
    again, other = tmp_path / "again.csv", tmp_path / "other.csv"
    generate_stock_file(again, ROWS, seed=7)
    generate_stock_file(other, 2_000, seed=8)

    def digest(p: Path) -> str:
        return hashlib.sha256(p.read_bytes()).hexdigest()

    assert digest(again) == digest(generated)
    assert other.read_text().splitlines()[1] != generated.read_text().splitlines()[1]


def test_identifiers_are_valid_and_sorted_like_insee(records: list[dict[str, str]]) -> None:
    assert len(records) == ROWS
    sirets = [r["siret"] for r in records]
    assert sirets == sorted(sirets) and len(set(sirets)) == ROWS
    assert all(r["siret"] == r["siren"] + r["nic"] for r in records)
    assert all(luhn_ok(r["siren"]) and luhn_ok(r["siret"]) for r in records)


def test_distributions_are_plausible(records: list[dict[str, str]]) -> None:
    naf_labels = json.loads((data_dir() / "reference" / "annuaire_codes-NAF.json").read_text())
    bands = json.loads((data_dir() / "reference" / "annuaire_tranches-effectifs.json").read_text())
    closed = sum(r["etatAdministratifEtablissement"] == "F" for r in records) / ROWS
    assert 0.15 <= closed <= 0.30
    rev2 = [
        r["activitePrincipaleEtablissement"]
        for r in records
        if r["nomenclatureActivitePrincipaleEtablissement"] == "NAFRev2"
    ]
    assert set(rev2) <= set(naf_labels)
    naf_counts = Counter(rev2)
    assert len(naf_counts) > 300
    assert naf_counts.most_common(1)[0][1] / len(rev2) < 0.15
    assert {r["trancheEffectifsEtablissement"] for r in records} <= set(bands) | {""}
    departments = Counter(
        r["codeCommuneEtablissement"][:2] for r in records if r["codeCommuneEtablissement"]
    )
    assert len(departments) >= 95 and departments["97"] > 0
    without = sum(not r["coordonneeLambertAbscisseEtablissement"] for r in records) / ROWS
    assert 0.03 < without < 0.15
    assert any(r["statutDiffusionEtablissement"] == "P" for r in records)


def test_generated_coordinates_land_near_their_commune(generated: Path) -> None:
    communes = load_communes()
    geod = Geod(ellps="GRS80")
    total = SireneStats()
    far = checked = 0
    for batch in read_establishments(generated):
        total += batch.stats
        for row in batch.rows:
            values = dict(zip(COPY_COLUMNS, row, strict=True))
            if values["location_source"] != "lambert":
                continue
            lat, lon = communes.get(values["commune_insee"])
            checked += 1
            far += geod.inv(lon, lat, values["lon"], values["lat"])[2] > 5_000
    assert total.bad_rows == 0
    assert total.location["lambert"] / total.kept > 0.85
    # Jitter is ~1 km around the commune: beyond 5 km is rarer than 1 in 1,000.
    assert checked > 10_000 and far / checked < 0.001
