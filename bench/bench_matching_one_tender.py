"""Match one tender against 4,500 structures with 5 activities each, in process.

    .venv/bin/python bench/bench_matching_one_tender.py

The catalog: the 3,853 real structures of the SIAE registry (their coordinates), plus 647
placed next to real ones (jittered by up to ~20 km) to reach 4,500, each with 5
synthetic activities (``matching.sample_catalog``: SIAE sectors, areas mostly a radius,
some departments, a few communes or all of France): 22,500 activities.

The tenders: the real titles and CPV codes of the DECP 2019 contracts that the classifier
puts in at least one sector (those are the ones that cost something), each placed at a
random commune of the La Poste base (its department and coordinates), with a deadline in
20 days. Timed: ``tender_match.match_tender`` as the service calls it (classification,
candidate activities, eligibility, scoring, one ``Lead`` per structure), after a warm-up.
Figure: ``match_one_tender_p99_ms`` (target ≤ 5 ms).
"""

from __future__ import annotations

import csv
import gc
import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from chantiers_common.events.common_types import GeoPoint
from chantiers_common.events.prospects import Buyer, Tender
from chantiers_common.settings import data_dir
from chantiers_testing.bench import write_figures
from matching import sample_catalog
from matching.catalog import ActivityEntry, StructureInfo
from matching.context import MatchContext
from matching.tender_match import match_tender, sectors_of

STRUCTURES = 4_500
TENDERS = 5_000


def registry_sites(rng: random.Random) -> list[sample_catalog.Site]:
    rows = json.loads((data_dir() / "siae" / "lemarche_01_siaes.json").read_text())
    sites, seen = [], set()
    for row in rows:
        fields = row["fields"]
        coords = fields.get("coords") or ""
        if "POINT" not in coords or not fields.get("department") or fields["siret"] in seen:
            continue
        seen.add(fields["siret"])
        lon, lat = map(float, coords.split("(")[1].rstrip(")").split())
        sites.append(sample_catalog.Site(fields["siret"], fields["department"], lat, lon))
    while len(sites) < STRUCTURES:
        base = rng.choice(sites)
        sites.append(sample_catalog.Site(sample_catalog.fake_siret(rng), base.department,
                                         base.lat + rng.uniform(-0.18, 0.18),
                                         base.lon + rng.uniform(-0.25, 0.25)))
    return sites[:STRUCTURES]


def build_context(sites: list[sample_catalog.Site]) -> MatchContext:
    ctx = MatchContext.empty()
    for structure in sample_catalog.structures(sites):
        ctx.catalog.put_structure(StructureInfo.from_structure(structure, True))
    for activity in sample_catalog.activities(sites, per_structure=5):
        ctx.catalog.put_activity(ActivityEntry.from_activity(activity))
    return ctx


def communes() -> list[tuple[str, float, float]]:
    path = data_dir() / "reference" / "laposte_hexasmal_2022_communes_cp_gps.csv"
    with path.open(encoding="utf-8") as f:
        return [(r["Code_commune_INSEE"], float(r["latitude"]), float(r["longitude"]))
                for r in csv.DictReader(f, delimiter=";") if r["latitude"] and r["longitude"]]


def decp_titles() -> list[tuple[str, str | None]]:
    found = []
    for name in ("decp_2019_data.gouv.fr_pes.json", "decp_2019_e-marchespublics.json"):
        for record in json.loads((data_dir() / "decp" / name).read_text())["marches"]:
            title = " ".join(str(record.get("objet") or "").split())
            cpv = str(record.get("codeCPV") or "").split("-")[0] or None
            probe = Tender(idweb="x", nature="APPEL_OFFRE", title=title or "x",
                           buyer=Buyer(name="x"), cpv_main=cpv)
            if title and sectors_of(probe):
                found.append((title, cpv))
    return found


def tenders(rng: random.Random, now: datetime) -> list[Tender]:
    titles, places = decp_titles(), communes()
    out = []
    for n in range(TENDERS):
        title, cpv = rng.choice(titles)
        insee, lat, lon = rng.choice(places)
        department = insee[:3] if insee.startswith("97") else insee[:2]
        out.append(Tender(
            idweb=f"bench-{n}", nature="APPEL_OFFRE", title=title, cpv_main=cpv,
            buyer=Buyer(name="Acheteur public", siret="21690123100011"),
            departments=[department], commune_insee=insee, location=GeoPoint(lat=lat, lon=lon),
            deadline=now + timedelta(days=20), published_on=now.date(),
            social_criteria=rng.random() < 0.2, family="MAPA", market_types=["SERVICES"],
        ))
    return out


def main() -> None:
    rng = random.Random(7)
    now = datetime.now(UTC)
    started = time.perf_counter()
    ctx = build_context(registry_sites(rng))
    print(f"catalogue : {len(ctx.catalog.structures)} structures, {len(ctx.catalog)} activités"
          f" ({time.perf_counter() - started:.1f} s)")
    work = tenders(rng, now)
    for tender in work[:500]:  # warm-up (classifier caches, allocator)
        match_tender(tender, ctx, now)
    # As the service does once its catalog is loaded: long-lived objects leave the
    # collector's generations, so that a collection does not walk 22,500 activities.
    gc.collect()
    gc.freeze()
    durations, leads = [], 0
    for tender in work:
        start = time.perf_counter_ns()
        found = match_tender(tender, ctx, now)
        durations.append((time.perf_counter_ns() - start) / 1e6)
        leads += len(found)
    durations.sort()
    p50 = durations[len(durations) // 2]
    p99 = durations[int(len(durations) * 0.99) - 1]
    print(f"{len(work)} appels d'offres, {leads / len(work):.1f} pistes en moyenne ; "
          f"moyenne {statistics.fmean(durations):.3f} ms, p50 {p50:.3f} ms, p99 {p99:.3f} ms, "
          f"max {durations[-1]:.3f} ms")
    write_figures("matching_one_tender", {
        "match_one_tender_p99_ms": (round(p99, 3), "ms", "<= 5"),
    })


if __name__ == "__main__":
    main()
