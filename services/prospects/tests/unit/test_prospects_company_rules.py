"""Which event a changed company publishes, duplicates in a batch, bulk events made of
documents, and the SQL's agreement with the tables (checked without a database)."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
from datetime import date
from pathlib import Path

import pytest

from chantiers_common.events import Envelope
from chantiers_common.events.common_types import GeoPoint
from chantiers_common.events.prospects import (
    CompaniesBulkLoaded,
    Company,
    CompanyClosed,
    CompanyRegistered,
    CompanyUpdated,
)
from prospects import company_sql, db
from prospects.company_bulk import OUTBOX_COLUMNS, bulk_events, fingerprint
from prospects.company_events import company_from_row, copy_row, delta_event
from prospects.company_pipeline import prepare
from prospects.queries import search_query
from prospects.sirene import COPY_COLUMNS, EstablishmentBatch, SireneStats

_spec = importlib.util.spec_from_file_location(
    "prospects_migration_0002", Path(db.__file__).parent / "migrations/versions/0002_companies.py")
migration = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(migration)


@pytest.mark.parametrize(
    ("inserted", "active", "was_active", "event"),
    [
        (True, True, None, CompanyRegistered),
        (True, False, None, CompanyClosed),  # a closed one kept with --all
        (False, False, True, CompanyClosed),  # it closed since the last load
        (False, False, False, CompanyUpdated),  # closed, and something else changed
        (False, True, False, CompanyUpdated),  # reopened
        (False, True, True, CompanyUpdated),
    ],
)
def test_delta_event(inserted: bool, active: bool, was_active: bool | None, event) -> None:
    assert delta_event(inserted=inserted, active=active, was_active=was_active) is event


def test_the_last_row_of_a_siret_wins_within_a_batch() -> None:
    rows = [copy_row(Company(siret=f"1234567890001{n % 2}", siren="123456789", name=str(n),
                             created_on=date(2020, 1, n + 1), active=n != 2))
            for n in range(3)]
    batch = EstablishmentBatch.from_rows(rows, SireneStats(read=3, kept=3))
    ready = prepare(batch, "f.csv")
    assert ready.duplicates == 1 and ready.count == 2 and not ready.ordered
    assert [json.loads(d)["name"] for d in ready.documents] == ["1", "2"]
    assert ready.position == {"12345678900011": 0, "12345678900010": 1}
    lines = list(csv.reader(io.StringIO(ready.csv.decode())))
    assert [line[COPY_COLUMNS.index("name")] for line in lines] == ["1", "2"]
    assert [line[-2:] for line in lines] == [[fingerprint(d), "f.csv"] for d in ready.documents]
    assert len(lines[0]) == len(company_sql.STAGING_COLUMNS)
    # Nulls are empty fields, text is quoted, dates and booleans as PostgreSQL reads them.
    assert lines[1][COPY_COLUMNS.index("enseigne")] == ""
    assert lines[1][COPY_COLUMNS.index("created_on")] == "2020-01-03"
    assert lines[1][COPY_COLUMNS.index("active")] == "false"
    assert b'"2"' in ready.csv and b',,' in ready.csv


def test_bulk_events_carry_the_documents_in_the_contract() -> None:
    companies = [Company(siret=f"{n:014d}", siren=f"{n:014d}"[:9], name=f'SCOP "N°{n}"',
                         location=GeoPoint(lat=45.0 + n / 1000, lon=4.8))
                 for n in range(2_500)]
    documents = [c.model_dump_json(exclude_none=True).encode() for c in companies]
    rows = bulk_events(documents, source='stock "v2".csv', batch_id="abc-3", event_size=1_000,
                       headers={"traceparent": "00-1-2-01"})
    assert len(rows) == 3
    carried = []
    for number, row in enumerate(rows, start=1):
        values = dict(zip(OUTBOX_COLUMNS, row, strict=True))
        assert values["routing_key"] == "prospects.companies.bulk_loaded"
        assert json.loads(values["headers"]) == {"traceparent": "00-1-2-01"}
        envelope = Envelope[CompaniesBulkLoaded].model_validate_json(values["body"])
        assert envelope.id == values["event_id"] and envelope.type == values["event_type"]
        assert envelope.data.batch_id == f"abc-3-{number}"
        assert envelope.data.source == 'stock "v2".csv'
        assert envelope.data.count == len(envelope.data.companies)
        carried += envelope.data.companies
    assert carried == companies
    assert bulk_events([], source="x", batch_id="b", event_size=10, headers={}) == []


def test_company_to_row_and_back() -> None:
    company = Company(siret="12345678900011", siren="123456789", name="ESPACES VERTS DU RHONE",
                      naf="81.30Z", created_on=date(2020, 1, 2), department="69",
                      location=GeoPoint(lat=45.75, lon=4.85), location_source="wgs84")
    row = copy_row(company)
    assert len(row) == len(COPY_COLUMNS)
    assert company_from_row(dict(zip(COPY_COLUMNS, row, strict=True))) == company


def test_sql_agrees_with_the_tables_and_the_contracts() -> None:
    assert db._COPY_COLUMNS == COPY_COLUMNS
    assert [c.name for c in db.companies_staging.columns] == list(company_sql.STAGING_COLUMNS)
    company_columns = {c.name for c in db.companies.columns}
    # Every Company field is a column (location as lat/lon), and nothing else is copied.
    fields = set(Company.model_fields) - {"location"} | {"lat", "lon"}
    assert fields == set(COPY_COLUMNS) <= company_columns
    assert migration.TENDER_SEARCH_VECTOR == db.TENDER_SEARCH_VECTOR
    assert migration.COMPANY_SEARCH_VECTOR == db.COMPANY_SEARCH_VECTOR
    assert set(OUTBOX_COLUMNS) <= {c.name for c in db.outbox.columns}
    for name in COPY_COLUMNS:
        assert name in company_sql.UPSERT


@pytest.mark.parametrize(
    ("typed", "query"),
    [
        ("espaces verts", "'espaces':* & 'verts':*"),
        ("  Nettoyage!  des VITRES ", "'nettoyage':* & 'des':* & 'vitres':*"),
        ("propreté d'Écully", "'propreté':* & 'd':* & 'écully':*"),
        ("it's'); DROP TABLE tenders; --", "'it':* & 's':* & 'drop':* & 'table':* & 'tenders':*"),
        ("!!! ---", None),
        ("_", None),
    ],
)
def test_search_query_keeps_only_words(typed: str, query: str | None) -> None:
    assert search_query(typed) == query


def test_search_query_is_bounded() -> None:
    assert search_query(" ".join(f"w{i}" for i in range(50))).count("&") == 7
