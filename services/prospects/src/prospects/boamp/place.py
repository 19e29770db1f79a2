"""From the place of execution a notice writes to a commune (INSEE code) and a point.

Notices give a postcode and a town ("64510 ASSAT"), a free text ("2 rue de la Gendarmerie
à Doulaincourt-Saucourt 52270", "Argonay (74)") or nothing usable ("Normandie"). The La
Poste table of postcodes (reference data, read in place) turns the first two into a
commune and its coordinates, which matching needs for distances. An unresolved place is
simply unknown.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from chantiers_common.settings import data_dir

from .signals import fold
from .values import department_of_postcode, departments_in, postcodes_in

LAPOSTE_FILE = Path("reference") / "laposte_hexasmal_2022_communes_cp_gps.csv"
# Longest commune names have 8 words ("saint martin de la ... "); places are read up to
# their first 60 words (the rest of a long label is prose, not a place).
MAX_NAME_WORDS = 8
MAX_WORDS = 60


@dataclass(frozen=True, slots=True)
class Commune:
    insee: str
    name: str
    lat: float | None
    lon: float | None


_NOISE = re.compile(r"\bcedex\b(?: ?\d+)?|[^a-z0-9 ]")
_SPACES = re.compile(r"\s+")
_SAINT = re.compile(r"\bst\b")
_SAINTE = re.compile(r"\bste\b")


def normalize_name(value: str) -> str:
    """``"Saint-Gilles-Croix-de-Vie,"`` and ``"ST GILLES CROIX DE VIE CEDEX"`` → the same."""
    folded = fold(value).replace("-", " ").replace("'", " ")
    folded = _NOISE.sub(" ", folded)
    folded = _SAINTE.sub("sainte", _SAINT.sub("saint", folded))
    return _SPACES.sub(" ", folded).strip()


class CommuneIndex:
    """Communes by postcode and by (department, name)."""

    def __init__(self, rows: Iterable[tuple[str, str, str, Iterable[str], float | None,
                                            float | None]] = ()) -> None:
        self._by_postcode: dict[str, dict[str, Commune]] = defaultdict(dict)
        self._by_department: dict[str, dict[str, Commune]] = defaultdict(dict)
        self._names: dict[str, set[str]] = defaultdict(set)
        for insee, name, postcode, aliases, lat, lon in rows:
            commune = Commune(insee, name, lat, lon)
            self._by_postcode[postcode][insee] = commune
            dept = department_of_postcode(postcode)
            for alias in (name, *aliases):
                key = normalize_name(alias)
                if not key:
                    continue
                self._names[insee].add(key)
                if dept:
                    self._by_department[dept].setdefault(key, commune)

    def __len__(self) -> int:
        return len(self._names)

    @classmethod
    def load(cls, path: Path) -> CommuneIndex:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter=";")
            next(reader, None)
            return cls(
                (row[0], row[1], row[2], (row[3], row[4]), _float(row[5]), _float(row[6]))
                for row in reader
                if len(row) >= 7
            )

    def resolve(self, label: str | None, postcode: str | None = None,
                city: str | None = None, *, hint_departments: Iterable[str] = ()) -> Commune | None:
        """The commune a place names, or None when it cannot be told for sure.

        ``hint_departments`` (the notice's departments) are searched for a commune name
        when the place itself names no department ("CARCANS", "Besançon")."""
        text = " ".join(part for part in (label, postcode, city) if part)
        if not text:
            return None
        haystack = f" {normalize_name(text)} "
        codes = [postcode] if postcode else postcodes_in(text)
        for code in codes:
            candidates = self._by_postcode.get(code or "", {})
            if len(candidates) == 1:
                return next(iter(candidates.values()))
            named = [c for c in candidates.values() if self._named_in(c, haystack)]
            if len(named) == 1:
                return named[0]
        departments = (
            [department_of_postcode(code) for code in codes]
            or departments_in(text)
            or list(hint_departments)
        )
        for dept in departments:
            found = self._find_name_in(dept, haystack)
            if found:
                return found
        return None

    def _named_in(self, commune: Commune, haystack: str) -> bool:
        return any(f" {name} " in haystack for name in self._names[commune.insee])

    def _find_name_in(self, dept: str | None, haystack: str) -> Commune | None:
        """The commune of ``dept`` whose name is a run of words of the text; the longest
        run wins ("saint gilles croix de vie" over "vie")."""
        names = self._by_department.get(dept or "")
        if not names:
            return None
        words = haystack.split()[:MAX_WORDS]
        for length in range(min(MAX_NAME_WORDS, len(words)), 0, -1):
            for start in range(len(words) - length + 1):
                found = names.get(" ".join(words[start : start + length]))
                if found:
                    return found
        return None


def _float(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


@lru_cache(maxsize=1)
def default_communes() -> CommuneIndex:
    """The La Poste table from the data folder; an empty index when it is not there (the
    places then stay unresolved, nothing fails)."""
    path = data_dir() / LAPOSTE_FILE
    return CommuneIndex.load(path) if path.is_file() else CommuneIndex()
