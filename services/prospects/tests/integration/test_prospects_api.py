"""The HTTP API on loaded data: filters, text search, pages, the detail of a tender, and
422s that name the parameter. Expected results are computed from the files themselves
(parsed in the test), not read back from the database."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import httpx
import pytest

from chantiers_common import db
from chantiers_common.events.prospects import Company, Tender
from chantiers_common.service import build_app
from chantiers_testing.env import IsolatedEnv
from prospects.boamp import parse_record, read_records
from prospects.commands import load_boamp
from prospects.company_loads import load_sirene
from prospects.main import spec
from prospects.replay import replayed
from prospects.sirene import COPY_COLUMNS, generate_stock_file, read_establishments

pytestmark = pytest.mark.stack

BOAMP_FILES = ("boamp_full_records_45.json", "boamp_ods_v2.1_records_full_2records_2024.json",
               "boamp_eforms_2025_award_1record.json", "boamp_joue_2023_awards_2records.json",
               "boamp_v110_2006_20records.json")


def plain(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


class Loaded:
    def __init__(self, http: httpx.AsyncClient, tenders: dict[str, Tender],
                 companies: dict[str, Company]) -> None:
        self.http = http
        self.tenders = tenders
        self.companies = companies

    async def every(self, path: str, params: dict[str, Any], limit: int = 7) -> list[dict]:
        """Every item over all pages, checking that pages neither overlap nor miss."""
        items: list[dict] = []
        offset, total = 0, None
        while total is None or offset < total:
            response = await self.http.get(path, params={**params, "offset": offset,
                                                         "limit": limit})
            assert response.status_code == 200, response.text
            page = response.json()
            assert total is None or page["total"] == total
            total = page["total"]
            assert len(page["items"]) == min(limit, total - offset)
            items += page["items"]
            offset += limit
        return items


@pytest.fixture(scope="module")
async def loaded(module_env: IsolatedEnv, tmp_path_factory) -> AsyncIterator[Loaded]:
    settings = module_env.settings()
    folder = settings.data_dir / "boamp"
    today = datetime.now(UTC).date()
    tenders: dict[str, Tender] = {}
    for name in BOAMP_FILES:
        await load_boamp(folder / name, replay_on=today, settings=settings)
        for raw in read_records(folder / name):
            tender = replayed(parse_record(raw), today)
            tenders[tender.idweb] = tender
    stock = tmp_path_factory.mktemp("stock") / "stock.csv"
    generate_stock_file(stock, 4_000, seed=21)
    companies: dict[str, Company] = {}
    for path in (stock, settings.data_dir / "sirene/goSirene_test_StockEtablissement_utf8_geo.csv"):
        await load_sirene(path, include_closed=True, settings=settings)
        for batch in read_establishments(path, include_closed=True):
            for document in batch.documents:
                company = Company.model_validate_json(document)
                companies[company.siret] = company
    app = build_app(spec, settings)
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app),
                                  base_url="http://prospects") as http):
        yield Loaded(http, tenders, companies)


async def test_tenders_all_pages_and_the_department_and_cpv_filters(loaded: Loaded) -> None:
    everything = await loaded.every("/tenders", {})
    assert {t["idweb"] for t in everything} == set(loaded.tenders)
    published = [t["published_on"] for t in everything if t["published_on"]]
    assert published == sorted(published, reverse=True)

    in_69 = await loaded.every("/tenders", {"department": "69"})
    assert {t["idweb"] for t in in_69} == {
        i for i, t in loaded.tenders.items() if "69" in t.departments}
    assert len(in_69) >= 20

    works = await loaded.every("/tenders", {"cpv": "4526"})
    assert {t["idweb"] for t in works} == {
        i for i, t in loaded.tenders.items() if any(c.startswith("4526") for c in t.cpv_codes)}
    assert works
    both = await loaded.every("/tenders", {"cpv": "45", "department": "69"})
    assert {t["idweb"] for t in both} == {
        i for i, t in loaded.tenders.items()
        if "69" in t.departments and any(c.startswith("45") for c in t.cpv_codes)}


async def test_open_tenders_and_text_search(loaded: Loaded) -> None:
    now = datetime.now(UTC)
    still_open = await loaded.every("/tenders", {"open": "true"})
    expected = {i for i, t in loaded.tenders.items() if t.deadline and t.deadline >= now}
    assert {t["idweb"] for t in still_open} == expected and expected

    # Accents are ignored, and each word is also a prefix.
    found = await loaded.every("/tenders", {"q": "securite"})
    titles = [plain(t["title"] + " " + t["buyer"]["name"]) for t in found]
    assert titles and all("securit" in title for title in titles)
    expected = {i for i, t in loaded.tenders.items() if "sécurité" in t.title.lower()}
    assert expected <= {t["idweb"] for t in found}
    assert await loaded.every("/tenders", {"q": "securite incendie"}) != []
    assert await loaded.every("/tenders", {"q": "zzzyxw"}) == []


async def test_one_tender_in_detail_or_404(loaded: Loaded) -> None:
    idweb, tender = next((i, t) for i, t in loaded.tenders.items() if t.lots or t.winners)
    response = await loaded.http.get(f"/tenders/{idweb}")
    assert response.status_code == 200
    body = response.json()
    assert Tender.model_validate(body["tender"]) == tender
    assert body["source"] in BOAMP_FILES and body["first_seen"] <= body["last_changed"]
    missing = await loaded.http.get("/tenders/00-00000")
    assert missing.status_code == 404 and "00-00000" in missing.json()["detail"]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/tenders", {"department": "6"}, "department"),
        ("/tenders", {"department": "96"}, "department"),
        ("/tenders", {"cpv": "77a"}, "cpv"),
        ("/tenders", {"limit": "0"}, "limit"),
        ("/tenders", {"limit": "1000"}, "limit"),
        ("/tenders", {"offset": "-1"}, "offset"),
        ("/tenders", {"open": "maybe"}, "open"),
        ("/tenders", {"q": "!!"}, "q"),
        ("/tenders", {"q": "x" * 300}, "q"),
        ("/companies", {"naf": "8130Z"}, "naf"),
        ("/companies", {"department": "2C"}, "department"),
        ("/companies", {"active": "yes please"}, "active"),
    ],
)
async def test_bad_parameters_are_422_naming_the_field(
    loaded: Loaded, path: str, params: dict[str, str], field: str
) -> None:
    response = await loaded.http.get(path, params=params)
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", field] and error["msg"]


async def test_companies_filters_and_pages(loaded: Loaded) -> None:
    companies = loaded.companies
    active = await loaded.every("/companies", {}, limit=200)
    assert {c["siret"] for c in active} == {s for s, c in companies.items() if c.active}
    assert [c["siret"] for c in active] == sorted(c["siret"] for c in active)

    every = await loaded.every("/companies", {"active": "false", "department": "01"}, 50)
    assert {c["siret"] for c in every} == {
        s for s, c in companies.items() if c.department == "01"}
    assert any(not c["active"] for c in every)

    division = next(c.naf[:2] for c in companies.values() if c.active and c.naf)
    by_naf = await loaded.every("/companies", {"naf": division}, limit=100)
    assert {c["siret"] for c in by_naf} == {
        s for s, c in companies.items() if c.active and c.naf and c.naf.startswith(division)}
    sample = next(c for c in companies.values() if c.active and c.naf and c.department)
    exact = await loaded.every("/companies", {"naf": sample.naf,
                                              "department": sample.department})
    assert sample.siret in {c["siret"] for c in exact}
    assert all(c["naf"] == sample.naf and c["department"] == sample.department for c in exact)
    [again] = [Company.model_validate(c) for c in exact if c["siret"] == sample.siret]
    assert again == sample

    named = next(c for c in companies.values() if c.active and c.name and len(c.name) > 8)
    word = max(named.name.split(), key=len)
    found = await loaded.every("/companies", {"q": word.lower()[:5]}, limit=200)
    assert named.siret in {c["siret"] for c in found}
    assert all(plain(word[:5]) in plain(f"{c.get('name') or ''} {c.get('enseigne') or ''}")
               for c in found)


async def test_stats_count_what_was_loaded(loaded: Loaded) -> None:
    stats = (await loaded.http.get("/stats")).json()
    assert stats["tenders"] == len(loaded.tenders)
    assert stats["companies"] == len(loaded.companies)
    assert set(COPY_COLUMNS) - {"lat", "lon"} <= set(Company.model_fields)
    assert date.today().year >= 2024


async def test_companies_answer_503_while_a_first_load_holds_the_table(
    loaded: Loaded, module_env: IsolatedEnv
) -> None:
    """A first load drops and rebuilds the indexes, locking the table until it commits:
    readers are told to come back instead of hanging."""
    settings = module_env.settings()
    conn = await asyncpg.connect(db.asyncpg_dsn(settings, settings.database_name("prospects")))
    try:
        async with conn.transaction():
            await conn.execute("LOCK TABLE companies IN ACCESS EXCLUSIVE MODE")
            response = await loaded.http.get("/companies", params={"department": "01"})
            assert response.status_code == 503
            assert response.headers["Retry-After"] == "30"
            assert "chargement" in response.json()["detail"]
            stats = (await loaded.http.get("/stats")).json()
            assert stats["companies_first_load_in_progress"] == 1 and "companies" not in stats
            assert (await loaded.http.get("/tenders", params={"limit": 1})).status_code == 200
    finally:
        await conn.close()
    assert (await loaded.http.get("/companies", params={"limit": 1})).status_code == 200
