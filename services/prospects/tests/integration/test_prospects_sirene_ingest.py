"""SIRENE establishments on the real stack: a small file publishes an event per company,
a large one companies.bulk_loaded events carrying every row it kept; loading twice
publishes nothing; bad files end with a clear error and commit nothing."""

from __future__ import annotations

import importlib.util
import math
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from chantiers_common.events import Envelope
from chantiers_common.events.prospects import CompaniesBulkLoaded, CompanyRegistered
from chantiers_testing.env import IsolatedEnv
from chantiers_testing.services import run_cli
from prospects.company_events import company_from_row
from prospects.company_loads import load_entreprises, load_sirene
from prospects.sirene import COPY_COLUMNS, SireneFileError, generate_stock_file
from prospects.sirene.territories import department_of

pytestmark = pytest.mark.stack

GEO = "sirene/goSirene_test_StockEtablissement_utf8_geo.csv"  # 40 rows, 24 active
UNITS = "sirene/trackdechets_StockUniteLegale_utf8_sample.csv"


def edit_rows(source: Path, target: Path, edits: dict[int, dict[str, str]]) -> Path:
    """A copy of a CSV with some cells of some data rows (0 = first row) replaced."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    for index, cells in edits.items():
        fields = lines[index + 1].rstrip("\n").split(",")
        for name, value in cells.items():
            fields[header.index(name)] = value
        lines[index + 1] = ",".join(fields) + "\n"
    target.write_text("".join(lines), encoding="utf-8")
    return target


def state_of(path: Path, index: int) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    return lines[index + 1].split(",")[header.index("etatAdministratifEtablissement")]


async def test_a_small_file_publishes_an_event_per_company_once(
    isolated_env: IsolatedEnv, probe, database, data_dir: Path, tmp_path: Path
) -> None:
    geo = data_dir / GEO
    result = run_cli(isolated_env, "ingest", "sirene", str(geo))
    assert "delta" in result.stderr and "24 event(s) published" in result.stderr
    events = await probe.collect(expect=24)
    assert Counter(e["type"] for e in events) == {"company.registered": 24}
    registered = Envelope[CompanyRegistered].model_validate(events[0])
    [row] = await database.fetch("SELECT * FROM companies WHERE siret = $1",
                                 registered.data.company.siret)
    assert company_from_row(row) == registered.data.company

    settings = isolated_env.settings()
    report, published, _ = await load_sirene(geo, settings=settings)
    assert (report.new, report.updated, report.unchanged, published) == (0, 0, 24, 0)
    assert await probe.collect(quiet=1.5) == []

    # One establishment changes its sign, one closes; with --all the 16 closed ones
    # never seen before come in as closed too.
    active = [i for i in range(40) if state_of(geo, i) == "A"]
    changed = edit_rows(geo, tmp_path / "geo.csv", {
        active[0]: {"enseigne1Etablissement": "LES JARDINS DU BUGEY"},
        active[1]: {"etatAdministratifEtablissement": "F"},
    })
    report, published, _ = await load_sirene(changed, include_closed=True, settings=settings)
    assert (report.new, report.updated, report.unchanged) == (16, 2, 22)
    events = await probe.collect(expect=18, quiet=1.5)
    assert Counter(e["type"] for e in events) == {"company.closed": 17, "company.updated": 1}
    [update] = [e for e in events if e["type"] == "company.updated"]
    assert update["data"]["company"]["enseigne"] == "LES JARDINS DU BUGEY"
    assert await database.count("companies") == 40


async def test_a_large_file_is_loaded_in_bulk_and_reloading_it_publishes_nothing(
    isolated_env: IsolatedEnv, probe, database, tmp_path: Path
) -> None:
    path = tmp_path / "StockEtablissement.csv"
    generate_stock_file(path, 12_000, seed=5)
    settings = isolated_env.settings()
    options: dict[str, Any] = {"delta_threshold": 5_000, "event_size": 1_000,
                               "batch_size": 3_000, "settings": settings}
    report, published, _ = await load_sirene(path, **options)
    assert report.mode == "bulk" and report.read == 12_000
    kept = report.new
    assert kept > 8_000 and report.updated == report.unchanged == 0
    assert report.notes["indexes built after the load (first load)"] == 3
    # Four batches of 3,000 rows, each cut into events of at most 1,000 companies.
    assert 4 * math.floor(kept / 4 / 1_000) <= published == report.events <= 4 * 3
    events = await probe.collect(expect=published)
    loaded = [Envelope[CompaniesBulkLoaded].model_validate(e).data for e in events]
    assert {e["type"] for e in events} == {"companies.bulk_loaded"}
    assert sum(batch.count for batch in loaded) == kept == await database.count("companies")
    assert all(batch.count == len(batch.companies) <= 1_000 for batch in loaded)
    assert len({batch.batch_id for batch in loaded}) == len(loaded)
    companies = {c.siret: c for batch in loaded for c in batch.companies}
    assert len(companies) == kept
    rows = await database.fetch("SELECT * FROM companies ORDER BY random() LIMIT 200")
    for row in rows:
        assert companies[row["siret"]] == company_from_row(dict(row))
    indexes = {r["indexname"] for r in await database.fetch(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'companies'")}
    assert {"companies_search", "companies_naf", "companies_department_naf"} <= indexes

    report, published, _ = await load_sirene(path, **options)
    assert (report.unchanged, report.new, report.updated, published) == (kept, 0, 0, 0)
    assert await probe.collect(quiet=1.5) == []

    # Three establishments renamed: the events carry those three, nothing else.
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    active = [i for i, line in enumerate(lines[1:])
              if line.split(",")[header.index("etatAdministratifEtablissement")] == "A"]
    picked = [active[10], active[5_000], active[-1]]
    edited = edit_rows(path, tmp_path / "v2.csv", {
        i: {"denominationUsuelleEtablissement": f"REGIE DE QUARTIER {n}"}
        for n, i in enumerate(picked)})
    report, published, _ = await load_sirene(edited, **options)
    assert (report.updated, report.new, report.unchanged) == (3, 0, kept - 3)
    events = await probe.collect(expect=published, quiet=1.5)
    renamed = [c for e in events for c in
               Envelope[CompaniesBulkLoaded].model_validate(e).data.companies]
    assert sorted(c.name for c in renamed) == [f"REGIE DE QUARTIER {n}" for n in range(3)]


async def test_a_first_load_out_of_siret_order_compares_from_there_on(
    isolated_env: IsolatedEnv, probe, database, tmp_path: Path
) -> None:
    """The first load copies batches straight in while the file is in SIRET order; a
    batch out of order (here a later line correcting an early one) is compared instead."""
    path = tmp_path / "stock.csv"
    generate_stock_file(path, 7_000, seed=8)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    state = header.index("etatAdministratifEtablissement")
    early = next(i for i in range(1, 100) if lines[i].split(",")[state] == "A")
    fields = lines[early].rstrip("\n").split(",")
    fields[header.index("enseigne1Etablissement")] = "RESSOURCERIE DU PLATEAU"
    path.write_text("".join(lines) + ",".join(fields) + "\n", encoding="utf-8")
    siret = fields[header.index("siret")]

    report, published, _ = await load_sirene(path, delta_threshold=1_000, batch_size=2_000,
                                             settings=isolated_env.settings())
    assert report.mode == "bulk" and report.updated == 1
    assert report.new == await database.count("companies")
    [row] = await database.fetch("SELECT enseigne FROM companies WHERE siret = $1", siret)
    assert row["enseigne"] == "RESSOURCERIE DU PLATEAU"
    events = await probe.collect(expect=published)
    carried = [c for e in events
               for c in Envelope[CompaniesBulkLoaded].model_validate(e).data.companies]
    assert len(carried) == report.new + 1
    assert [c.enseigne for c in carried if c.siret == siret][-1] == "RESSOURCERIE DU PLATEAU"


async def test_a_bad_line_late_in_a_large_file_commits_nothing(
    isolated_env: IsolatedEnv, probe, database, tmp_path: Path
) -> None:
    path = tmp_path / "stock.csv"
    generate_stock_file(path, 12_000, seed=6)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    fields = lines[11_000].rstrip("\n").split(",")
    fields[header.index("libelleVoieEtablissement")] = "X" * 5_000
    lines[11_000] = ",".join(fields) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SireneFileError, match="5000 caractères vers la ligne 11001"):
        await load_sirene(path, delta_threshold=5_000, batch_size=3_000,
                          settings=isolated_env.settings())
    # Three batches had been copied and upserted, their events queued: all rolled back.
    for table in ("companies", "outbox", "quarantine", "companies_staging"):
        assert await database.count(table) == 0, table
    assert await probe.collect(quiet=1.0) == []


async def test_bad_files_are_refused_by_the_command_with_a_clear_message(
    isolated_env: IsolatedEnv, database, data_dir: Path, tmp_path: Path
) -> None:
    units = run_cli(isolated_env, "ingest", "sirene", str(data_dir / UNITS), check=False)
    assert units.returncode == 1
    assert "colonnes manquantes" in units.stderr and "StockUniteLegale" in units.stderr
    assert "Nothing was loaded" in units.stderr

    latin1 = tmp_path / "latin1.csv"
    text = (data_dir / GEO).read_text(encoding="utf-8")
    latin1.write_bytes(text.replace("BOURG-EN-BRESSE", "BOURG-EN-BRESSÉ").encode("cp1252"))
    result = run_cli(isolated_env, "ingest", "sirene", str(latin1), check=False)
    assert result.returncode == 1
    assert "non UTF-8" in result.stderr and "Windows-1252" in result.stderr
    assert await database.count("companies") == 0 and await database.count("outbox") == 0


async def test_rows_that_cannot_be_companies_are_counted_with_examples(
    isolated_env: IsolatedEnv, probe, database, data_dir: Path, tmp_path: Path
) -> None:
    geo = data_dir / GEO
    active = [i for i in range(40) if state_of(geo, i) == "A"]
    path = edit_rows(geo, tmp_path / "geo.csv", {
        active[2]: {"siret": "0158509440002"},  # 13 digits
        active[3]: {"siret": ""},
        active[4]: {"etatAdministratifEtablissement": "X"},
    })
    report, published, _ = await load_sirene(path, settings=isolated_env.settings())
    assert (report.read, report.quarantined, report.valid, report.new) == (40, 3, 37, 21)
    assert report.reasons["SIRET invalide (14 chiffres attendus)"] == 2
    assert len(report.examples) == 3 and report.examples[0].startswith("ligne ")
    assert published == 21 and len(await probe.collect(expect=21)) == 21
    kept = await database.fetch("SELECT kind, source, reason, raw FROM quarantine ORDER BY id")
    assert [r["kind"] for r in kept] == ["sirene"] * 3
    assert {r["reason"] for r in kept} == {"SIRET invalide (14 chiffres attendus)",
                                           "état administratif ni A ni F"}
    await load_sirene(path, settings=isolated_env.settings())
    assert await database.count("quarantine") == 3  # the same examples are kept once


def _fake_api() -> Any:
    path = Path(__file__).parents[1] / "unit" / "fake_recherche_entreprises.py"
    spec = importlib.util.spec_from_file_location("prospects_it_fake_entreprises", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


async def test_companies_from_the_recherche_entreprises_api_load_like_a_delta(
    isolated_env: IsolatedEnv, probe, database, tmp_path: Path
) -> None:
    fake_api = _fake_api()
    path = tmp_path / "stock.csv"
    generate_stock_file(path, 3_000, seed=9)
    units = fake_api.results_from_stock(path)
    naf, department = Counter(
        (u["activite_principale"], department_of(p["commune"])) for u in units
        for p in u["etablissements"] if p["etat_administratif"] == "A"
        and department_of(p["commune"]) in {f"{n:02d}" for n in range(1, 96)}
    ).most_common(1)[0][0]
    fake = fake_api.FakeRechercheEntreprises(units).start()
    try:
        report, published, _ = await load_entreprises(
            naf, department, base_url=fake.url, settings=isolated_env.settings())
        expected = {p["siret"] for _u, places in fake.matching(naf, department)
                    for p in places if p["etat_administratif"] == "A"}
        assert report.new == published == len(expected) > 0
        events = await probe.collect(expect=published)
        assert {e["data"]["company"]["siret"] for e in events} == expected
        assert {e["type"] for e in events} == {"company.registered"}
        report, published, _ = await load_entreprises(
            naf, department, base_url=fake.url, settings=isolated_env.settings())
        assert (report.unchanged, published) == (len(expected), 0)
    finally:
        fake.stop()
    stored = await database.fetch("SELECT * FROM companies")
    assert {r["siret"] for r in stored} == expected
    assert all(dict(r)[name] is not None for r in stored for name in ("naf", "department"))
    assert set(COPY_COLUMNS) <= set(dict(stored[0]))
