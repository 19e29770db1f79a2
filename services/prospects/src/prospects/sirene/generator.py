"""Realistic StockEtablissement files for tests and benchmarks (deterministic per seed).

What is real and what is drawn:

* the header is INSEE's (``columns.STOCK_ETABLISSEMENT_HEADER``, identical to the real
  sample's); rows are sorted by SIREN then NIC, as INSEE sorts them, with SIREN and SIRET
  that pass the Luhn check like real ones (NIC 00016, 00024… as in the samples);
* communes, post codes and positions come from the La Poste reference file; a commune is
  drawn with weight 1 + 25 × the number of real SIAE in its post codes (the SIAE registry
  as a proxy of economic size: the file has no population); Lambert/UTM coordinates are
  the commune's position ± about 1 km, projected into the territory's legal system with
  pyproj (the inverse of what the reader does); ~6 % of rows have none, as when INSEE
  could not geocode an address;
* NAF rev2 codes are the 732 real ones, drawn by approximate section shares of active
  French establishments (rounded; real estate, trade and professional services lead),
  codes seen in the real samples first within a section (Zipf weights);
* street names, street types, address complements and old (NAP, NAF 1993, NAF rev1)
  activity codes of closed establishments are drawn from the real samples;
* headcount bands follow approximate shares (most establishments have no employee);
* ~22 % of rows are closed (``F``), ~3 % under partial diffusion (address masked
  ``[ND]``, as INSEE does), a few are abroad (no commune, a foreign country).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from chantiers_common.settings import data_dir

from .columns import STOCK_ETABLISSEMENT_HEADER
from .communes import build_table, read_laposte
from .projection import wgs84_to_projected
from .territories import TERRITORY_BY_DEPARTMENT, department_of

CHUNK_ROWS = 50_000
CLOSED_SHARE = 0.22
PARTIAL_DIFFUSION_SHARE = 0.03
NO_COORDINATES_SHARE = 0.06
ABROAD_SHARE = 0.003

# Approximate shares of active establishments by NAF section (rounded; the generator only
# needs the right orders of magnitude: real estate, trade, professional services lead).
SECTION_SHARES = {
    "A": 0.05,
    "B": 0.001,
    "C": 0.045,
    "D": 0.01,
    "E": 0.003,
    "F": 0.10,
    "G": 0.14,
    "H": 0.045,
    "I": 0.06,
    "J": 0.04,
    "K": 0.045,
    "L": 0.11,
    "M": 0.14,
    "N": 0.06,
    "O": 0.01,
    "P": 0.04,
    "Q": 0.06,
    "R": 0.03,
    "S": 0.06,
    "T": 0.001,
    "U": 0.0001,
}
_SECTION_BY_DIVISION = [
    ("A", 1, 3),
    ("B", 5, 9),
    ("C", 10, 33),
    ("D", 35, 35),
    ("E", 36, 39),
    ("F", 41, 43),
    ("G", 45, 47),
    ("H", 49, 53),
    ("I", 55, 56),
    ("J", 58, 63),
    ("K", 64, 66),
    ("L", 68, 68),
    ("M", 69, 75),
    ("N", 77, 82),
    ("O", 84, 84),
    ("P", 85, 85),
    ("Q", 86, 88),
    ("R", 90, 93),
    ("S", 94, 96),
    ("T", 97, 98),
    ("U", 99, 99),
]
# Headcount band → approximate share among active / closed establishments.
HEADCOUNT_ACTIVE = {
    "": 0.30,
    "NN": 0.38,
    "00": 0.06,
    "01": 0.10,
    "02": 0.055,
    "03": 0.035,
    "11": 0.025,
    "12": 0.018,
    "21": 0.007,
    "22": 0.004,
    "31": 0.001,
    "32": 0.0015,
    "41": 0.0008,
    "42": 0.0003,
    "51": 0.0001,
    "52": 0.00003,
    "53": 0.00001,
}
HEADCOUNT_CLOSED = {"": 0.75, "NN": 0.20, "00": 0.02, "01": 0.02, "02": 0.006, "03": 0.004}
_EMPLOYER_BANDS = frozenset(HEADCOUNT_ACTIVE) - {"", "NN"}
_FOREIGN = [
    ("99109", "ALLEMAGNE", "BERLIN"),
    ("99131", "BELGIQUE", "BRUXELLES"),
    ("99134", "ESPAGNE", "BARCELONE"),
    ("99140", "SUISSE", "GENEVE"),
    ("99132", "ROYAUME-UNI", "LONDRES"),
    ("99127", "ITALIE", "MILAN"),
]
_NAME_HEADS = [
    "BOULANGERIE",
    "GARAGE",
    "CAFE",
    "PHARMACIE",
    "SALON",
    "BOUCHERIE",
    "RESTAURANT",
    "CABINET",
    "AGENCE",
    "TAXI",
    "ATELIER",
    "EPICERIE",
    "FLEURS",
    "HOTEL",
    "AUTO ECOLE",
    "TABAC PRESSE",
    "CAVE",
    "BAR",
    "PIZZERIA",
    "MENUISERIE",
    "TRANSPORTS",
    "NETTOYAGE",
    "JARDINS",
    "INFORMATIQUE",
    "COIFFURE",
    "OPTIQUE",
]
_NAME_TAILS = [
    "DU CENTRE",
    "DE LA GARE",
    "DES HALLES",
    "DU PORT",
    "DU MARCHE",
    "DE LA PLACE",
    "DU LAC",
    "DES ALPES",
    "DE L'OUEST",
    "SERVICES",
    "ET FILS",
    "PLUS",
    "EXPRESS",
    "DU VAL",
    "DES PINS",
    "DE LA MAIRIE",
]


@dataclass(frozen=True)
class _Pools:
    communes: list[str]
    commune_weights: np.ndarray
    commune_rows: dict[str, list[tuple[str, str]]]  # commune → [(post code, name)]
    commune_lonlat: dict[str, tuple[float, float]]
    naf_codes: list[str]
    naf_weights: np.ndarray
    old_naf: list[tuple[str, str]]
    street_types: list[str]
    street_type_weights: np.ndarray
    streets: list[str]
    complements: list[str]
    real_names: list[str]


def _section(code: str) -> str:
    division = int(code[:2])
    for section, low, high in _SECTION_BY_DIVISION:
        if low <= division <= high:
            return section
    return "U"


def _real_sample_rows(root: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for name in (
        "trackdechets_StockEtablissement_utf8_sample.csv",
        "goSirene_test_StockEtablissement_utf8_geo.csv",
    ):
        with (root / "sirene" / name).open(encoding="utf-8", newline="") as f:
            rows.extend(csv.DictReader(f))
    return rows


def _naf_pool(root: Path, samples: list[dict[str, str]]) -> tuple[list[str], np.ndarray]:
    codes = sorted(json.loads((root / "reference" / "annuaire_codes-NAF.json").read_text()))
    seen: Counter[str] = Counter(
        r["activitePrincipaleEtablissement"]
        for r in samples
        if r["nomenclatureActivitePrincipaleEtablissement"] == "NAFRev2"
    )
    with (root / "sirene" / "trackdechets_StockUniteLegale_utf8_sample.csv").open(
        encoding="utf-8", newline=""
    ) as f:
        seen.update(
            r["activitePrincipaleUniteLegale"]
            for r in csv.DictReader(f)
            if r["nomenclatureActivitePrincipaleUniteLegale"] == "NAFRev2"
        )
    # A fixed shuffle (not the file's seed) so that every file has the same code ranking.
    order = np.random.default_rng(20240322).permutation(len(codes))
    by_section: dict[str, list[str]] = {}
    for i in order:
        by_section.setdefault(_section(codes[i]), []).append(codes[i])
    weights = {}
    for section, members in by_section.items():
        members.sort(key=lambda c: -seen.get(c, 0))  # stable: seen codes first
        zipf = 1.0 / np.arange(1, len(members) + 1) ** 0.9
        zipf *= SECTION_SHARES[section] / zipf.sum()
        weights.update(zip(members, zipf.tolist(), strict=True))
    w = np.array([weights[c] for c in codes])
    return codes, w / w.sum()


def _commune_pool(root: Path) -> tuple[list[str], np.ndarray, dict, dict]:
    rows = read_laposte(root / "reference" / "laposte_hexasmal_2022_communes_cp_gps.csv")
    table = build_table(rows)
    by_commune: dict[str, list[tuple[str, str]]] = {}
    communes_of_cp: dict[str, set[str]] = {}
    for r in rows:
        by_commune.setdefault(r.commune, [])
        if (r.post_code, r.name) not in by_commune[r.commune]:
            by_commune[r.commune].append((r.post_code, r.name))
        communes_of_cp.setdefault(r.post_code, set()).add(r.commune)
    siaes = json.loads((root / "siae" / "lemarche_01_siaes.json").read_text(encoding="utf-8"))
    siae_by_cp = Counter(s["fields"].get("post_code") or "" for s in siaes)
    communes = sorted(by_commune)
    weight = np.ones(len(communes))
    index = {c: i for i, c in enumerate(communes)}
    for cp, count in siae_by_cp.items():
        sharing = communes_of_cp.get(cp, ())
        for c in sharing:
            weight[index[c]] += 25.0 * count / len(sharing)
    lonlat = {c: (lon, lat) for c, (lat, lon) in table.positions.items()}
    return communes, weight / weight.sum(), by_commune, lonlat


@lru_cache(maxsize=2)
def _pools(root: Path) -> _Pools:
    samples = _real_sample_rows(root)
    naf_codes, naf_weights = _naf_pool(root, samples)
    communes, commune_weights, commune_rows, lonlat = _commune_pool(root)
    types = Counter(r["typeVoieEtablissement"] for r in samples if r["typeVoieEtablissement"])
    streets = sorted(
        {r["libelleVoieEtablissement"] for r in samples if r["libelleVoieEtablissement"]}
    )
    complements = sorted(
        {
            r["complementAdresseEtablissement"]
            for r in samples
            if r["complementAdresseEtablissement"]
            and not r["complementAdresseEtablissement"].startswith("ME ")
        }
    )
    old_naf = sorted(
        {
            (r["activitePrincipaleEtablissement"], r["nomenclatureActivitePrincipaleEtablissement"])
            for r in samples
            if r["nomenclatureActivitePrincipaleEtablissement"] in ("NAP", "NAF1993", "NAFRev1")
        }
    )
    real_names = sorted(
        {
            r[k]
            for r in samples
            for k in ("enseigne1Etablissement", "denominationUsuelleEtablissement")
            if r[k]
        }
    )
    type_names = sorted(types)
    tw = np.array([types[t] for t in type_names], dtype=float)
    return _Pools(
        communes=communes,
        commune_weights=commune_weights,
        commune_rows=commune_rows,
        commune_lonlat=lonlat,
        naf_codes=naf_codes,
        naf_weights=naf_weights,
        old_naf=old_naf,
        street_types=type_names,
        street_type_weights=tw / tw.sum(),
        streets=streets,
        complements=complements,
        real_names=real_names,
    )


def _luhn_digit(body: np.ndarray, width: int) -> np.ndarray:
    """The check digit that makes ``body * 10 + digit`` pass the Luhn test."""
    digits = (body[:, None] // 10 ** np.arange(width - 1, -1, -1)) % 10
    # With the check digit appended, body digits at even positions from the right double.
    doubled = (np.arange(width)[::-1] % 2) == 0
    values = np.where(doubled, digits * 2, digits)
    values = np.where(values > 9, values - 9, values)
    return (10 - values.sum(axis=1) % 10) % 10


def _identifiers(rng: np.random.Generator, rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted SIREN, NIC (as ints) and head-office flags for ``rows`` establishments."""
    units = int(rows / 1.3 * 1.1) + 10  # a margin: cut to ``rows`` below
    per_unit = rng.geometric(0.77, units)  # mean ≈ 1.3 establishments per legal unit
    while per_unit.sum() < rows:  # improbable, but never short of rows
        per_unit = np.concatenate([per_unit, rng.geometric(0.77, units)])
    big = rng.random(units) < 0.0002  # a few networks with hundreds of establishments
    per_unit[big] += rng.integers(50, 500, int(big.sum()))
    per_unit = per_unit[: int(np.searchsorted(np.cumsum(per_unit), rows)) + 1]
    gap = max(1, int(90_000_000 / len(per_unit)))
    bodies = 1_000_000 + np.cumsum(rng.integers(1, 2 * gap, len(per_unit)))
    siren = bodies * 10 + _luhn_digit(bodies, 8)
    siren_rows = np.repeat(siren, per_unit)[:rows]
    starts = np.repeat(np.cumsum(per_unit) - per_unit, per_unit)[:rows]
    rank = np.arange(rows) - starts  # 0 for the first establishment of its unit
    nic_body = rank + 1
    full = siren_rows * 10_000 + nic_body
    nic = nic_body * 10 + _luhn_digit(full, 13)
    return siren_rows, nic, rank == 0


def _choice(rng: np.random.Generator, table: dict[str, float], n: int) -> np.ndarray:
    keys = list(table)
    p = np.array([table[k] for k in keys])
    return np.array(keys, dtype=object)[rng.choice(len(keys), n, p=p / p.sum())]


def _iso_dates(days: np.ndarray) -> list[str]:
    return np.datetime_as_string(days.astype("datetime64[D]"), unit="D").tolist()


def _chunk(
    rng: np.random.Generator, pools: _Pools, siren: np.ndarray, nic: np.ndarray, head: np.ndarray
) -> list[list[str]]:
    """One chunk of rows as columns (lists of 53 columns' values, in header order)."""
    n = len(siren)
    closed = rng.random(n) < CLOSED_SHARE
    partial = rng.random(n) < PARTIAL_DIFFUSION_SHARE
    abroad = rng.random(n) < ABROAD_SHARE
    empty = [""] * n

    siren_s = [f"{v:09d}" for v in siren.tolist()]
    nic_s = [f"{v:05d}" for v in nic.tolist()]
    siret_s = [s + c for s, c in zip(siren_s, nic_s, strict=True)]

    # Dates: creations grow towards recent years; closed units are older.
    age = np.where(closed, rng.exponential(14.0, n), rng.exponential(9.0, n))
    created = np.datetime64("2024-12-31") - (age * 365.25).astype(np.int64)
    created = np.maximum(created, np.datetime64("1950-01-01"))
    unknown_creation = rng.random(n) < 0.01
    until = (np.datetime64("2025-01-01") - created).astype(np.int64)
    start = created + (rng.random(n) * np.where(closed, until, until * 0.3)).astype(np.int64)
    created_s = _iso_dates(created)
    created_s = ["" if u else c for u, c in zip(unknown_creation.tolist(), created_s, strict=True)]
    start_s = _iso_dates(start)
    processed = np.datetime64("2023-01-01T00:00:00") + rng.integers(0, 2 * 365 * 86400, n)
    processed_s = np.datetime_as_string(processed, unit="s").tolist()

    band = np.where(closed, _choice(rng, HEADCOUNT_CLOSED, n), _choice(rng, HEADCOUNT_ACTIVE, n))
    band_s = band.tolist()
    band_year = ["2022" if b and b != "NN" else "" for b in band_s]
    employer = ["O" if b in _EMPLOYER_BANDS else "N" for b in band_s]

    naf_s = np.array(pools.naf_codes, dtype=object)[
        rng.choice(len(pools.naf_codes), n, p=pools.naf_weights)
    ].tolist()
    nomenclature = ["NAFRev2"] * n
    old = closed & (rng.random(n) < 0.30)
    no_naf = closed & (rng.random(n) < 0.05)
    old_pick = rng.integers(0, len(pools.old_naf), n)
    for i in np.flatnonzero(old).tolist():
        naf_s[i], nomenclature[i] = pools.old_naf[old_pick[i]]
    for i in np.flatnonzero(no_naf).tolist():
        naf_s[i], nomenclature[i] = "", ""
    artisan = (rng.random(n) < 0.03) & ~old & ~no_naf
    crafts = [
        naf.replace(".", "") + "Z" if a else ""
        for naf, a in zip(naf_s, artisan.tolist(), strict=True)
    ]

    commune_idx = rng.choice(len(pools.communes), n, p=pools.commune_weights)
    commune_s = [pools.communes[i] for i in commune_idx.tolist()]
    pick = rng.random(n)
    post_s, city_s = [], []
    for c, p in zip(commune_s, pick.tolist(), strict=True):
        options = pools.commune_rows[c]
        cp, city = options[int(p * len(options))]
        post_s.append(cp)
        city_s.append(city)

    number = (1 + rng.geometric(0.04, n)).clip(max=999)
    has_number = rng.random(n) < 0.70
    number_s = [
        str(v) if h else "" for v, h in zip(number.tolist(), has_number.tolist(), strict=True)
    ]
    repetition_s = np.where(
        has_number & (rng.random(n) < 0.03),
        np.array(["B", "T", "Q"], dtype=object)[rng.choice(3, n, p=[0.7, 0.2, 0.1])],
        "",
    ).tolist()
    has_type = rng.random(n) < 0.88
    type_s = np.where(
        has_type,
        np.array(pools.street_types, dtype=object)[
            rng.choice(len(pools.street_types), n, p=pools.street_type_weights)
        ],
        "",
    ).tolist()
    street_s = np.array(pools.streets, dtype=object)[
        rng.integers(0, len(pools.streets), n)
    ].tolist()
    complement_s = np.where(
        rng.random(n) < 0.10,
        np.array(pools.complements, dtype=object)[rng.integers(0, len(pools.complements), n)],
        "",
    ).tolist()
    special = np.where(
        rng.random(n) < 0.02, "BP " + rng.integers(1, 999, n).astype(str).astype(object), ""
    ).tolist()
    cedex = rng.random(n) < 0.01
    cedex_code = [cp if c else "" for cp, c in zip(post_s, cedex.tolist(), strict=True)]
    cedex_label = [
        f"{city} CEDEX" if c else "" for city, c in zip(city_s, cedex.tolist(), strict=True)
    ]

    # Coordinates: the commune's position ± ~1 km, in the territory's legal projection.
    lonlat = [pools.commune_lonlat.get(c, (np.nan, np.nan)) for c in commune_s]
    lon = np.array([p[0] for p in lonlat])
    lat = np.array([p[1] for p in lonlat])
    territory = np.array(
        [TERRITORY_BY_DEPARTMENT.get(department_of(c) or "", 0) for c in commune_s], dtype=np.intp
    )
    x, y = wgs84_to_projected(lon, lat, territory)
    x += rng.normal(0, 1_000, n)
    y += rng.normal(0, 1_000, n)
    located = np.isfinite(x) & (rng.random(n) >= NO_COORDINATES_SHARE)
    x_s = [repr(v) if ok else "" for v, ok in zip(x.tolist(), located.tolist(), strict=True)]
    y_s = [repr(v) if ok else "" for v, ok in zip(y.tolist(), located.tolist(), strict=True)]
    address_id = [
        f"{c}{int(p * 9999):04d}_{'BCD'[int(p * 3000) % 3]}" if ok else ""
        for c, p, ok in zip(commune_s, pick.tolist(), located.tolist(), strict=True)
    ]

    named = rng.random(n)
    name_pick = rng.integers(0, 1 << 30, n).tolist()
    enseigne_s, denomination_s = [], []
    for r, k, city in zip(named.tolist(), name_pick, city_s, strict=True):
        if r < 0.15:
            if k % 10 == 0:
                label = pools.real_names[k % len(pools.real_names)]
            else:
                tail = _NAME_TAILS[k // 7 % len(_NAME_TAILS)] if k % 3 else city
                label = f"{_NAME_HEADS[k % len(_NAME_HEADS)]} {tail}"
            enseigne_s.append(label)
            denomination_s.append(label if r < 0.04 else "")
        else:
            enseigne_s.append("")
            denomination_s.append("")

    diffusion_s = ["P" if p else "O" for p in partial.tolist()]
    for i in np.flatnonzero(partial).tolist():
        for col in (
            complement_s,
            number_s,
            repetition_s,
            type_s,
            street_s,
            enseigne_s,
            denomination_s,
            address_id,
        ):
            col[i] = "[ND]" if col[i] else ""
        if x_s[i]:
            x_s[i] = y_s[i] = "[ND]"
    foreign_country, foreign_label, foreign_city = list(empty), list(empty), list(empty)
    for i in np.flatnonzero(abroad).tolist():
        code, country, city = _FOREIGN[name_pick[i] % len(_FOREIGN)]
        foreign_country[i], foreign_label[i], foreign_city[i] = code, country, city
        commune_s[i] = post_s[i] = city_s[i] = x_s[i] = y_s[i] = address_id[i] = ""
        cedex_code[i] = cedex_label[i] = ""

    periods = (1 + rng.poisson(1.2, n)).astype(str).tolist()
    head_s = ["true" if h else "false" for h in head.tolist()]
    state_s = ["F" if c else "A" for c in closed.tolist()]
    values = {
        "siren": siren_s,
        "nic": nic_s,
        "siret": siret_s,
        "statutDiffusionEtablissement": diffusion_s,
        "dateCreationEtablissement": created_s,
        "trancheEffectifsEtablissement": band_s,
        "anneeEffectifsEtablissement": band_year,
        "activitePrincipaleRegistreMetiersEtablissement": crafts,
        "dateDernierTraitementEtablissement": processed_s,
        "etablissementSiege": head_s,
        "nombrePeriodesEtablissement": periods,
        "complementAdresseEtablissement": complement_s,
        "numeroVoieEtablissement": number_s,
        "indiceRepetitionEtablissement": repetition_s,
        "typeVoieEtablissement": type_s,
        "libelleVoieEtablissement": street_s,
        "codePostalEtablissement": post_s,
        "libelleCommuneEtablissement": city_s,
        "libelleCommuneEtrangerEtablissement": foreign_city,
        "distributionSpecialeEtablissement": special,
        "codeCommuneEtablissement": commune_s,
        "codeCedexEtablissement": cedex_code,
        "libelleCedexEtablissement": cedex_label,
        "codePaysEtrangerEtablissement": foreign_country,
        "libellePaysEtrangerEtablissement": foreign_label,
        "identifiantAdresseEtablissement": address_id,
        "coordonneeLambertAbscisseEtablissement": x_s,
        "coordonneeLambertOrdonneeEtablissement": y_s,
        "dateDebut": start_s,
        "etatAdministratifEtablissement": state_s,
        "enseigne1Etablissement": enseigne_s,
        "denominationUsuelleEtablissement": denomination_s,
        "activitePrincipaleEtablissement": naf_s,
        "nomenclatureActivitePrincipaleEtablissement": nomenclature,
        "caractereEmployeurEtablissement": employer,
    }
    return [values.get(name, empty) for name in STOCK_ETABLISSEMENT_HEADER]


def generate_stock_file(path: Path, rows: int, seed: int = 1) -> None:
    """Write ``rows`` realistic StockEtablissement rows (plus the header) to ``path``."""
    if rows < 0:
        raise ValueError("rows doit être positif ou nul")
    pools = _pools(data_dir())
    rng = np.random.default_rng(seed)
    siren, nic, head = _identifiers(rng, max(rows, 1))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(STOCK_ETABLISSEMENT_HEADER)
        for start in range(0, rows, CHUNK_ROWS):
            stop = min(rows, start + CHUNK_ROWS)
            columns = _chunk(rng, pools, siren[start:stop], nic[start:stop], head[start:stop])
            # zip over the columns builds each row in C; the writer quotes only when needed.
            writer.writerows(zip(*columns, strict=True))
