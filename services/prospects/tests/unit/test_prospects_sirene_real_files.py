"""The SIRENE reader on the real sample files (values checked by hand in the CSVs)."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest

from chantiers_common.events.prospects import Company
from chantiers_common.settings import data_dir
from prospects.sirene import COPY_COLUMNS, SireneStats, read_establishments

SIRENE = data_dir() / "sirene"
TRACKDECHETS = SIRENE / "trackdechets_StockEtablissement_utf8_sample.csv"
GEO = SIRENE / "goSirene_test_StockEtablissement_utf8_geo.csv"
LEGACY = SIRENE / "sirene_as_api_legacy_stock_L2_with_geo.csv"
UNITS = SIRENE / "trackdechets_StockUniteLegale_utf8_sample.csv"


def load(path: Path, **options: object) -> tuple[dict[str, dict], SireneStats]:
    rows: dict[str, dict] = {}
    total = SireneStats()
    for batch in read_establishments(path, **options):
        total += batch.stats
        for row in batch.rows:
            rows[row[0]] = dict(zip(COPY_COLUMNS, row, strict=True))
    return rows, total


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dx = (lon2 - lon1) * math.cos(math.radians(lat1)) * 111_320
    dy = (lat2 - lat1) * 110_574
    return math.hypot(dx, dy)


def test_active_only_by_default_on_the_current_header() -> None:
    rows, stats = load(TRACKDECHETS)
    # 299 rows, 15 with etatAdministratifEtablissement = A.
    assert (stats.read, stats.kept, stats.closed) == (299, 15, 284)
    assert all(r["active"] for r in rows.values())
    sucrerie = rows["00542012000015"]
    assert sucrerie["naf"] == "10.81Z"
    assert sucrerie["headcount_band"] == "02"
    assert sucrerie["created_on"] == date(1989, 1, 27)
    assert (sucrerie["commune_insee"], sucrerie["post_code"], sucrerie["department"]) == (
        "80688",
        "80120",
        "80",
    )
    assert sucrerie["address"] == "RUE DE LA FONTAINE, 80120 RUE"
    # No coordinates in this file: the commune of Rue (La Poste: 50.2782, 1.6650).
    assert sucrerie["location_source"] == "commune"
    assert metres(sucrerie["lat"], sucrerie["lon"], 50.2781968108, 1.6650080675) < 1
    assert rows["00032517500065"]["department"] == "13"  # Marseille 4e, commune 13204


def test_closed_kept_with_include_closed_and_old_naf_codes_dropped() -> None:
    rows, stats = load(TRACKDECHETS, include_closed=True)
    assert stats.kept == 299
    assert sum(not r["active"] for r in rows.values()) == 284
    # 00541042800014: NAF "70.2C" in nomenclature NAF1993, not a NAF rev2 code.
    assert rows["00541042800014"]["naf"] is None
    assert rows["00032517500024"]["naf"] == "47.89Z"
    assert rows["00032517500024"]["enseigne"] == "TAHITI PERLES CREATIONS"
    # Manihi (French Polynesia): La Poste's position for it is thousands of km off.
    manihi = rows["00032517500016"]
    assert manihi["department"] == "987"
    assert manihi["location_source"] is None and manihi["lat"] is None


def test_lambert_coordinates_converted_within_a_metre_of_the_given_wgs84() -> None:
    rows, stats = load(GEO, include_closed=True)
    assert stats.location == {"lambert": 20, "wgs84": 15, "commune": 5}
    # 01585094400024: Lambert 93 (854198.62…, 6527077.22…) and Etalab's 4.986337, 45.825879.
    row = rows["01585094400024"]
    assert row["location_source"] == "lambert"
    assert metres(row["lat"], row["lon"], 45.825879, 4.986337) < 1
    # 00552013500038 has no Lambert coordinates: the given longitude/latitude are used.
    given = rows["00552013500038"]
    assert given["location_source"] == "wgs84"
    assert (given["lat"], given["lon"]) == (46.357963, 6.143376)


def test_legacy_l2_stock_is_read_with_its_own_columns() -> None:
    rows, stats = load(LEGACY)
    assert stats.kept == 4
    doras = rows["01585179300479"]
    assert doras["naf"] == "46.73A"  # APET700 4673A
    assert doras["commune_insee"] == "01134" and doras["department"] == "01"
    assert doras["created_on"] == date(2005, 1, 1)  # DCRET 20050101
    assert doras["name"] == "DORAS" and doras["category"] == "ETI"
    assert doras["headcount_band"] == "03"
    assert doras["location_source"] == "wgs84"


def test_unite_legale_join_adds_name_category_and_ess() -> None:
    rows, _ = load(TRACKDECHETS, unite_legale=UNITS)
    sucrerie = rows["00542012000015"]
    assert sucrerie["name"] == "SOCIETE DES SUCRERIES DU MARQUENTERRE"
    assert sucrerie["category"] == "PME"
    assert sucrerie["ess"] is False  # economieSocialeSolidaireUniteLegale = N
    # A sole trader: "Prénom Nom" from prenomUsuelUniteLegale and nomUniteLegale.
    assert rows["00032517500065"]["name"] == "THIERRY JANOYER"
    assert rows["00548054600018"]["category"] is None  # categorieEntreprise empty
    assert all(r["mission"] is None for r in rows.values())  # no such column in 2019


def test_batches_become_valid_company_contracts() -> None:
    companies: list[Company] = []
    for batch in read_establishments(GEO, batch_size=7):
        assert len(batch) <= 7
        companies.extend(batch.companies())
    assert len(companies) == 24
    by_siret = {c.siret: c for c in companies}
    company = by_siret["01585094400024"]
    assert company.siren == "015850944" and company.department == "01"
    assert company.location is not None and company.location_source == "lambert"
    assert company.location.lat == pytest.approx(45.825879, abs=1e-5)
