"""Each establishment's JSON document (what bulk events carry) is its Company contract,
on every real sample header and on hand-made rows with characters JSON must escape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chantiers_common.events.prospects import Company
from chantiers_common.settings import data_dir
from prospects.company_events import company_from_row
from prospects.sirene import COPY_COLUMNS, generate_stock_file, read_establishments
from prospects.sirene.reader import estimated_rows

SIRENE = data_dir() / "sirene"
REAL = SIRENE / "trackdechets_StockEtablissement_utf8_sample.csv"
GEO = SIRENE / "goSirene_test_StockEtablissement_utf8_geo.csv"
LEGACY = SIRENE / "sirene_as_api_legacy_stock_L2_with_geo.csv"
UNITS = SIRENE / "trackdechets_StockUniteLegale_utf8_sample.csv"


def pairs(path: Path, **options: object) -> list[tuple[Company, bytes]]:
    found = []
    for batch in read_establishments(path, **options):
        assert len(batch.documents) == len(batch.rows) == len(batch)
        for row, document in zip(batch.rows, batch.documents, strict=True):
            found.append((company_from_row(dict(zip(COPY_COLUMNS, row, strict=True))),
                          document))
    return found


@pytest.mark.parametrize(
    ("path", "options"),
    [
        (REAL, {"include_closed": True}),
        (REAL, {"include_closed": True, "unite_legale": UNITS}),
        (GEO, {"include_closed": True}),
        (LEGACY, {"include_closed": True}),
    ],
    ids=["stock", "stock+unite-legale", "geo", "legacy-L2"],
)
def test_documents_are_the_rows_as_company_contracts(path: Path, options: dict) -> None:
    found = pairs(path, **options)
    assert found
    for company, document in found:
        assert Company.model_validate_json(document) == company
        # Null fields are left out, and the keys come in the contract's order.
        keys = list(json.loads(document))
        assert keys == [k for k in Company.model_fields if k in keys]
        assert None not in json.loads(document).values()


def test_documents_of_a_generated_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "stock.csv"
    generate_stock_file(path, 3_000, seed=7)
    found = pairs(path, include_closed=True)
    assert len(found) > 2_900
    located = [c for c, _ in found if c.location is not None]
    assert len(located) > 2_500  # coordinates (floats) are in most documents
    for company, document in found:
        assert Company.model_validate_json(document) == company


def test_quotes_backslashes_and_control_characters_are_escaped(tmp_path: Path) -> None:
    lines = REAL.read_text(encoding="utf-8").splitlines(keepends=True)
    header, row = lines[0], next(line for line in lines[1:] if ",A," in line)
    fields = row.rstrip("\n").split(",")
    position = header.split(",").index("denominationUsuelleEtablissement")
    fields[position] = '"LE ""BON"" COIN \\ CHEZ\tNOUS"'
    path = tmp_path / "odd.csv"
    path.write_text(header + ",".join(fields) + "\n", encoding="utf-8")
    [(company, document)] = pairs(path)
    assert company.name == 'LE "BON" COIN \\ CHEZ\tNOUS'
    assert b'\\"BON\\"' in document and b"\\\\" in document and b"\\u0009" in document
    assert b"\t" not in document
    assert Company.model_validate_json(document) == company


def test_rows_and_documents_are_made_on_demand() -> None:
    batch = next(read_establishments(GEO))
    assert "rows" not in vars(batch) and "documents" not in vars(batch)
    assert batch.rows and len(batch.documents) == len(batch.rows)
    assert batch.rows is batch.rows  # made once


def test_estimated_rows_for_the_progress_bar(tmp_path: Path) -> None:
    assert estimated_rows(REAL) == 299  # read whole: exact
    path = tmp_path / "stock.csv"
    generate_stock_file(path, 5_000, seed=3)
    assert 4_500 < (estimated_rows(path) or 0) < 5_500
