"""Reference data of the structures service, read in place from the data folder.

- the sector taxonomy of the national SIAE marketplace (20 groups, 154 sectors whose slugs
  are the identifiers every service uses);
- departments and regions (INSEE codes; a department knows its region);
- communes with their post codes and coordinates (La Poste base), to find the INSEE code
  of a commune from what people write in an address: a post code and a city name.

Each loader is cached per folder: the files do not change while a process runs.
"""

from __future__ import annotations

import csv
import difflib
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from chantiers_common.settings import data_dir

SECTOR_GROUPS_FILE = "siae/lemarche_0b_sectorgroups.json"
SECTORS_FILE = "siae/lemarche_0c_sectors.json"
DEPARTMENTS_FILE = "reference/lemarche_departements.json"
REGIONS_FILE = "reference/lemarche_regions.json"
# INSEE's list also has the overseas collectivities (975 Saint-Pierre-et-Miquelon, 977,
# 978, 984, 986-989), which have SIAE but belong to no region.
ALL_DEPARTMENTS_FILE = "reference/annuaire_departements.json"
COMMUNES_FILE = "reference/laposte_hexasmal_2022_communes_cp_gps.csv"


# --- Sector taxonomy -------------------------------------------------------------------


@dataclass(frozen=True)
class SectorGroup:
    slug: str
    name: str


@dataclass(frozen=True)
class Sector:
    slug: str
    name: str
    group: SectorGroup

    @property
    def is_catch_all(self) -> bool:
        """"Autre (…)" sectors mean "none of the specific sectors of this group"."""
        return self.slug == "autre" or self.slug.startswith("autre-")


@dataclass(frozen=True)
class SectorTaxonomy:
    groups: tuple[SectorGroup, ...]
    sectors: Mapping[str, Sector]

    def __contains__(self, slug: object) -> bool:
        return slug in self.sectors

    def __iter__(self) -> Iterator[Sector]:
        return iter(self.sectors.values())

    def __len__(self) -> int:
        return len(self.sectors)

    def get(self, slug: str) -> Sector | None:
        return self.sectors.get(slug)

    def close_matches(self, slug: str, n: int = 3) -> list[str]:
        """Slugs that look like ``slug``, to tell a person what they probably meant."""
        return difflib.get_close_matches(slug, list(self.sectors), n=n, cutoff=0.6)


@lru_cache(maxsize=4)
def load_taxonomy(folder: Path | None = None) -> SectorTaxonomy:
    folder = folder or data_dir()
    groups_by_pk = {
        row["pk"]: SectorGroup(slug=row["fields"]["slug"], name=row["fields"]["name"])
        for row in _read_json(folder / SECTOR_GROUPS_FILE)
    }
    sectors: dict[str, Sector] = {}
    for row in _read_json(folder / SECTORS_FILE):
        fields = row["fields"]
        sectors[fields["slug"]] = Sector(
            slug=fields["slug"], name=fields["name"], group=groups_by_pk[fields["group"]]
        )
    return SectorTaxonomy(groups=tuple(groups_by_pk.values()), sectors=sectors)


# --- Departments and regions -------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    code: str
    name: str


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    region: Region | None  # None for overseas collectivities (975, 977, 978, 984, 986…)


@dataclass(frozen=True)
class Territories:
    departments: Mapping[str, Department]
    regions: Mapping[str, Region]

    def department(self, code: str) -> Department | None:
        return self.departments.get(normalise_department_code(code))

    def region_of(self, department_code: str) -> Region | None:
        department = self.department(department_code)
        return department.region if department else None

    def departments_of_region(self, region_code: str) -> list[str]:
        return sorted(d.code for d in self.departments.values()
                      if d.region is not None and d.region.code == region_code)


def normalise_department_code(code: str) -> str:
    """"1" → "01", "2a" → "2A", " 974 " → "974": the forms people and files use."""
    code = code.strip().upper()
    return code.zfill(2) if code.isdigit() and len(code) == 1 else code


@lru_cache(maxsize=4)
def load_territories(folder: Path | None = None) -> Territories:
    folder = folder or data_dir()
    regions = {row["code"]: Region(code=row["code"], name=row["nom"])
               for row in _read_json(folder / REGIONS_FILE)}
    departments = {
        row["code"]: Department(code=row["code"], name=row["nom"],
                                region=regions[row["codeRegion"]])
        for row in _read_json(folder / DEPARTMENTS_FILE)
    }
    with (folder / ALL_DEPARTMENTS_FILE).open(encoding="utf-8") as handle:
        for code, name in json.load(handle).items():
            departments.setdefault(code, Department(code=code, name=name, region=None))
    return Territories(departments=departments, regions=regions)


# --- Communes ----------------------------------------------------------------------------

# Paris, Lyon and Marseille: La Poste lists their arrondissements (75101…, 69381…, 13201…),
# not the communes themselves; an address without a usable post code gets the commune.
WHOLE_CITY_INSEE = {"PARIS": "75056", "LYON": "69123", "MARSEILLE": "13055"}
_ARRONDISSEMENT_POST_CODE = {
    "PARIS": re.compile(r"750(?:0[1-9]|1\d|20)"),
    "LYON": re.compile(r"6900[1-9]"),
    "MARSEILLE": re.compile(r"130(?:0[1-9]|1[0-6])"),
}


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    post_code: str
    lat: float | None
    lon: float | None

    @property
    def department(self) -> str:
        return department_of_insee(self.insee)


def department_of_insee(insee: str) -> str:
    # Overseas departments have 3-digit codes (971…976); elsewhere it is 2 characters.
    return insee[:3] if insee.startswith("97") else insee[:2]


def _strip_accents(text: str) -> str:
    if text.isascii():  # most names, and La Poste's but one: skip the slow path
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_CEDEX = re.compile(r"\bCEDEX\b.*$")
_ARRONDISSEMENT = re.compile(r"^(PARIS|LYON|MARSEILLE)(?: (\d{1,2})(?: ?(?:E|ER|EME|IEME))?)?$")
_ABBREVIATIONS = {"ST": "SAINT", "STE": "SAINTE", "STS": "SAINTS", "STES": "SAINTES"}
_ALREADY_NORMAL = re.compile(r"[A-Z0-9]+(?: [A-Z0-9]+)*")
_NEEDS_REWRITE = re.compile(r"\b(?:STE?S?|CEDEX)\b|^(?:PARIS|LYON|MARSEILLE) ")


@lru_cache(maxsize=65536)
def normalise_place_name(name: str) -> str:
    """The key two spellings of one commune share: "St-Omer Cedex" → "SAINT OMER".

    La Poste writes names in capitals without accents nor hyphens, with "SAINT" in full;
    addresses add "CEDEX 9", abbreviate "St"/"Ste", write "Paris 11e" or "L'Isle".
    """
    if _ALREADY_NORMAL.fullmatch(name) and not _NEEDS_REWRITE.search(name):
        return name  # La Poste's own spelling, the common case: nothing to do
    text = _NON_ALNUM.sub(" ", _strip_accents(name).upper().replace("Œ", "OE")).strip()
    text = _CEDEX.sub("", text).strip()
    words = [_ABBREVIATIONS.get(word, word) for word in text.split()]
    text = " ".join(words)
    match = _ARRONDISSEMENT.match(text)
    if match and match.group(2):
        text = f"{match.group(1)} {int(match.group(2)):02d}"
    return text


# One line of the La Poste base: the commune, and the names the line answers to (the
# commune, a hamlet or former commune in "ligne 5", the delivery name), not yet normalised.
_PostalLine = tuple[tuple[str, ...], Commune]


class CommuneIndex:
    """Communes by INSEE code, by post code, and by (department, name).

    Names are normalised on first use only: an import looks up a few thousand post codes,
    not the 39,000 lines of the base, and loading must stay fast.
    """

    def __init__(self, lines: list[_PostalLine]) -> None:
        self.by_insee: dict[str, Commune] = {}
        self._by_post_code: dict[str, list[_PostalLine]] = defaultdict(list)
        self._by_department: dict[str, list[_PostalLine]] = defaultdict(list)
        for line in lines:
            commune = line[1]
            self.by_insee.setdefault(commune.insee, commune)
            self._by_post_code[commune.post_code].append(line)
            self._by_department[commune.department].append(line)
        self._department_names: dict[str, dict[str, set[str]]] = {}

    def __len__(self) -> int:
        return len(self.by_insee)

    def __contains__(self, insee: object) -> bool:
        return insee in self.by_insee or insee in WHOLE_CITY_INSEE.values()

    def get(self, insee: str) -> Commune | None:
        return self.by_insee.get(insee)

    def find(self, post_code: str | None, city: str | None,
             department: str | None = None) -> Commune | None:
        """The commune an address means, or None when it cannot be told.

        Tried in order: a name the post code serves (commune, hamlet or former commune,
        delivery name), exactly or nearly; the name within the department (CEDEX post codes
        are not in the base, and hand-typed post codes can be wrong); the post code alone
        when it serves one commune; Paris, Lyon or Marseille as a whole.
        """
        post_code = (post_code or "").strip()
        key = normalise_place_name(city or "")
        lines = self._by_post_code.get(post_code, [])
        if lines and key:
            found = self._by_name_among(key, lines)
            if found:
                return found
        if key:
            for dept in self._departments_to_try(post_code, department):
                insees = self._names_in(dept).get(key, set())
                if len(insees) == 1:
                    return self.by_insee[next(iter(insees))]
        if len({commune.insee for _, commune in lines}) == 1:
            return lines[0][1]
        big_city = _ARRONDISSEMENT.match(key) if key else None
        if big_city:
            return self._big_city(big_city.group(1), post_code)
        return None

    def _by_name_among(self, key: str, lines: list[_PostalLine]) -> Commune | None:
        spellings: dict[str, Commune] = {}
        for names, commune in lines:
            for name in names:
                spellings.setdefault(normalise_place_name(name), commune)
        if key in spellings:
            return spellings[key]
        close = difflib.get_close_matches(key, list(spellings), n=1, cutoff=0.85)
        if close:
            return spellings[close[0]]
        # "BERCK SUR MER" for La Poste's "BERCK": the official name starts the usual one.
        starts = {commune.insee: commune for name, commune in spellings.items()
                  if key.startswith(name + " ")}
        return next(iter(starts.values())) if len(starts) == 1 else None

    def _names_in(self, department: str) -> dict[str, set[str]]:
        names = self._department_names.get(department)
        if names is None:
            names = defaultdict(set)
            for spellings, commune in self._by_department.get(department, []):
                for name in spellings:
                    names[normalise_place_name(name)].add(commune.insee)
            self._department_names[department] = names
        return names

    def _departments_to_try(self, post_code: str, department: str | None) -> list[str]:
        depts: list[str] = []
        if department:
            depts.append(normalise_department_code(department))
        if len(post_code) == 5 and post_code.isdigit():
            if post_code.startswith("20"):  # Corsica: post codes 20xxx, INSEE 2A/2B
                depts += ["2A", "2B"]
            elif post_code.startswith("97"):
                depts.append(post_code[:3])
            else:
                depts.append(post_code[:2])
        return list(dict.fromkeys(depts))

    def _big_city(self, city: str, post_code: str) -> Commune:
        if _ARRONDISSEMENT_POST_CODE[city].fullmatch(post_code):
            # 75011 → PARIS 11 (75111): the arrondissements follow the post codes
            for _, commune in self._by_post_code.get(post_code, []):
                return commune
        insee = WHOLE_CITY_INSEE[city]
        return Commune(insee=insee, name=city.title(), post_code=post_code, lat=None, lon=None)


_COMMUNES_HEADER = ["Code_commune_INSEE", "Nom_commune", "Code_postal", "Ligne_5",
                    "Libellé_d_acheminement", "latitude", "longitude"]


@lru_cache(maxsize=4)
def load_communes(folder: Path | None = None) -> CommuneIndex:
    folder = folder or data_dir()
    lines: list[_PostalLine] = []
    communes: dict[tuple[str, str], Commune] = {}
    with (folder / COMMUNES_FILE).open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter=";")
        header = next(rows)
        if header[:7] != _COMMUNES_HEADER:
            raise ValueError(f"{COMMUNES_FILE}: unexpected header {header}")
        for insee, name, post_code, line_5, delivery_name, lat, lon in rows:
            commune = communes.get((insee, post_code))
            if commune is None:
                commune = Commune(insee=insee, name=name, post_code=post_code,
                                  lat=_float_or_none(lat), lon=_float_or_none(lon))
                communes[(insee, post_code)] = commune
            names = (name, line_5, delivery_name) if line_5 else (name, delivery_name)
            lines.append((names, commune))
    return CommuneIndex(lines)


def _float_or_none(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _read_json(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)
