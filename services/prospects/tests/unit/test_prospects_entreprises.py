"""The "Recherche d'entreprises" connector against a local fake of the API (real HTTP on
127.0.0.1): paging, mapping to Company, the 7 requests/second limit, 429 bursts with
Retry-After, retries and refusals."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from prospects.entreprises import EntreprisesApiError, RechercheEntreprisesClient, companies_of
from prospects.entreprises.client import RateLimiter
from prospects.sirene import generate_stock_file
from prospects.sirene.territories import department_of


def _load_fake() -> Any:
    path = Path(__file__).with_name("fake_recherche_entreprises.py")
    spec = importlib.util.spec_from_file_location("prospects_fake_recherche_entreprises", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


fake_api = _load_fake()


@pytest.fixture(scope="module")
def units(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    path = tmp_path_factory.mktemp("stock") / "stock.csv"
    generate_stock_file(path, 6_000, seed=11)
    return fake_api.results_from_stock(path)


@pytest.fixture(scope="module")
def busiest(units) -> tuple[str, str]:
    """The (NAF, department) with the most legal units: several pages of results."""
    counts: Counter[tuple[str, str]] = Counter()
    for unit in units:
        for department in {department_of(p["commune"]) for p in unit["etablissements"]}:
            if department is None:
                continue
            counts[unit["activite_principale"], department] += 1
    (naf, department), count = counts.most_common(1)[0]
    assert count >= 6, counts.most_common(3)
    return naf, department


@pytest.fixture
def fake(units):
    server = fake_api.FakeRechercheEntreprises(units).start()
    yield server
    server.stop()


class Sleeps:
    """A sleep that returns at once and remembers how long it was asked to wait."""

    def __init__(self) -> None:
        self.calls: list[float] = []
        self.now = 0.0

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


async def fetch(client: RechercheEntreprisesClient, naf: str, department: str, **kw):
    return [company async for company in client.companies(naf, department, **kw)]


async def test_every_active_establishment_once_over_several_pages(fake, busiest) -> None:
    naf, department = busiest
    expected = {p["siret"] for _unit, places in fake.matching(naf, department)
                for p in places if p["etat_administratif"] == "A"}
    async with RechercheEntreprisesClient(fake.url, per_page=2) as client:
        found = await fetch(client, naf, department)
    assert client.requests >= 3  # paged
    assert [c.siret for c in found] == sorted({c.siret for c in found}, key=[
        c.siret for c in found].index)  # each once
    assert {c.siret for c in found} == expected
    assert all(c.active and c.department == department for c in found)
    first = found[0]
    assert first.siren == first.siret[:9]
    assert first.location is not None and first.location_source == "wgs84"
    assert first.category == "PME" and first.address
    unit = next(u for u in fake.units if u["siren"] == first.siren)
    assert first.ess is unit["complements"]["est_ess"]
    assert first.mission is unit["complements"]["est_societe_mission"]


async def test_closed_establishments_on_request(fake, busiest) -> None:
    naf, department = busiest
    every = {p["siret"] for _unit, places in fake.matching(naf, department) for p in places}
    async with RechercheEntreprisesClient(fake.url, per_page=25) as client:
        found = await fetch(client, naf, department, include_closed=True)
    assert {c.siret for c in found} == every
    assert any(not c.active for c in found)


async def test_stays_under_seven_requests_a_second(fake, busiest) -> None:
    """Real time: the fake answers 429 past 7 requests in a second; the client never
    gets one, and no second holds more than 7 of its requests."""
    naf, department = busiest
    async with RechercheEntreprisesClient(fake.url, per_page=1) as client:
        found = await fetch(client, naf, department)
        found += await fetch(client, naf, department)
    assert client.requests >= 12
    assert fake.throttled == 0 and client.throttled == 0
    times = [t for t, _query in fake.requests]
    assert all(times[i + 7] - times[i] >= 1.0 for i in range(len(times) - 7))
    assert len(found) > 0


async def test_a_429_burst_is_waited_out_as_retry_after_says(fake, busiest) -> None:
    naf, department = busiest
    fake.rate_limit = False
    for seconds in ("3", "2", "2"):
        fake.faults.append((429, {"Retry-After": seconds}))
    sleeps = Sleeps()
    async with RechercheEntreprisesClient(fake.url, per_page=25, sleep=sleeps,
                                          clock=sleeps.clock) as client:
        found = await fetch(client, naf, department)
    assert client.throttled == 3 and client.retries == 3
    assert sleeps.calls[:3] == [3.0, 2.0, 2.0]
    assert {c.siret for c in found} == {
        p["siret"] for _u, places in fake.matching(naf, department) for p in places
        if p["etat_administratif"] == "A"}


async def test_server_errors_are_retried_with_back_off_then_given_up(fake, busiest) -> None:
    naf, department = busiest
    fake.rate_limit = False
    fake.faults.extend([(503, {}), (503, {})])
    sleeps = Sleeps()
    async with RechercheEntreprisesClient(fake.url, sleep=sleeps, clock=sleeps.clock,
                                          backoff_base=1.0) as client:
        assert await fetch(client, naf, department)
    assert len(sleeps.calls) == 2 and 0.5 <= sleeps.calls[0] <= 1 and 1 <= sleeps.calls[1] <= 2

    fake.faults.extend([(503, {})] * 3)
    async with RechercheEntreprisesClient(fake.url, sleep=Sleeps(), max_attempts=3) as client:
        with pytest.raises(EntreprisesApiError, match=r"3 essais.*HTTP 503"):
            await fetch(client, naf, department)


async def test_refusals_carry_the_api_message(fake, busiest) -> None:
    naf, department = busiest
    async with RechercheEntreprisesClient(fake.url) as client:
        client.per_page = 30  # beyond the API's limit, as a misconfigured client would
        with pytest.raises(EntreprisesApiError, match=r"400.*per_page entre 1 et 25"):
            await fetch(client, naf, department)
        with pytest.raises(ValueError, match="code NAF invalide"):
            await fetch(client, "8130Z", department)
        with pytest.raises(ValueError, match="département invalide"):
            await fetch(client, naf, "6")
    assert len(fake.requests) == 1  # bad input never reaches the API


async def test_the_rate_limiter_spaces_starts_by_the_window() -> None:
    sleeps = Sleeps()
    limiter = RateLimiter(7, 1.0, clock=sleeps.clock, sleep=sleeps)
    for _ in range(21):
        await limiter.acquire()
    # 21 starts at 7 per second, all at once otherwise: they end 2 seconds in.
    assert sleeps.now == pytest.approx(2.0)
    assert len(sleeps.calls) == 2


def test_mapping_of_one_result() -> None:
    result = {
        "siren": "356000000",
        "nom_complet": "la poste",
        "nom_raison_sociale": "LA POSTE",
        "categorie_entreprise": "GE",
        "complements": {"est_ess": False, "est_societe_mission": True},
        "siege": {"siret": "35600000000048", "commune": "75115", "etat_administratif": "A",
                  "latitude": "48.83002", "longitude": "2.275688"},
        "matching_etablissements": [
            {"siret": "35600000012345", "commune": "69123", "code_postal": "69003",
             "activite_principale": "53.10Z", "etat_administratif": "A",
             "latitude": "45.76", "longitude": "4.85", "liste_enseignes": ["LA POSTE"],
             "date_creation": "1991-01-01", "adresse": "1 RUE X 69003 LYON",
             "tranche_effectif_salarie": "12"},
            # A position far outside the Rhône's territory is not kept.
            {"siret": "35600000099999", "commune": "69123", "etat_administratif": "F",
             "latitude": "-21.1", "longitude": "55.5"},
            {"siret": "3560000009", "commune": "69123"},  # not a SIRET: left out
        ],
    }
    lyon, closed = companies_of(result, "69")
    assert (lyon.name, lyon.enseigne, lyon.naf, lyon.department) == (
        "LA POSTE", "LA POSTE", "53.10Z", "69")
    assert lyon.location is not None and lyon.location.lat == 45.76
    assert (lyon.category, lyon.ess, lyon.mission, lyon.headcount_band) == ("GE", False, True,
                                                                            "12")
    assert closed.location is None and closed.active is False
    assert companies_of({**result, "matching_etablissements": []})[0].siret == "35600000000048"
    assert companies_of(result, "75") == []
