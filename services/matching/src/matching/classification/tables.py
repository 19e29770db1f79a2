"""The versioned data files of the classifier, read once and typed.

Every file in ``data/`` is a CSV that a person can review: leading ``#`` lines hold its
``version`` and what its columns mean, then a header row. Sector lists are
``;``-separated slugs; ``-slug`` removes a sector from the whole title and ``@etude``
marks a study (see ``STUDY``).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

# The pseudo-sector of the rows that say "this contract orders a study, not the trade".
STUDY = "@etude"
_VERSION = re.compile(r"^#\s*version:\s*(\d+)\s*$")

Role = Literal["metier", "generique", "ouvrage", "etude", "hors", "fourniture", "pose", "veto"]


@dataclass(frozen=True)
class VersionedTable:
    name: str
    version: int
    rows: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class SectorList:
    """The sectors a row adds, and those it removes from the whole title."""

    add: tuple[str, ...]
    remove: tuple[str, ...]
    study: bool  # the row marks a study (``@etude``)


@dataclass(frozen=True)
class LexiconRow:
    motif: str
    sectors: SectorList
    weight: float
    role: Role
    note: str


@dataclass(frozen=True)
class CpvRow:
    code: str  # 8 digits
    sectors: SectorList
    weight: float
    label: str

    @property
    def prefix(self) -> str:
        """The code without its trailing zeros (at least the two digits of the division)."""
        return self.code.rstrip("0").ljust(2, "0")


@dataclass(frozen=True)
class DescriptorRow:
    code: str
    label: str
    sectors: SectorList
    weight: float


@dataclass(frozen=True)
class Sector:
    slug: str
    name: str
    group: str


def read_table(file_name: str) -> VersionedTable:
    """Read ``data/<file_name>``: its version line, then CSV rows as dicts."""
    text = resources.files(__package__).joinpath("data", file_name).read_text(encoding="utf-8")
    lines = text.splitlines()
    version = None
    body_start = 0
    for index, line in enumerate(lines):
        if not line.startswith("#"):
            body_start = index
            break
        if match := _VERSION.match(line):
            version = int(match.group(1))
    if version is None:
        raise ValueError(f"{file_name}: la première ligne doit donner « # version: N »")
    rows = tuple(csv.DictReader(lines[body_start:]))
    return VersionedTable(name=file_name, version=version, rows=rows)


def parse_sectors(cell: str) -> SectorList:
    items = [item.strip() for item in cell.split(";") if item.strip()]
    return SectorList(
        add=tuple(i for i in items if not i.startswith(("-", "@"))),
        remove=tuple(i[1:] for i in items if i.startswith("-")),
        study=STUDY in items,
    )


@cache
def lexicon_rows() -> tuple[LexiconRow, ...]:
    return tuple(
        LexiconRow(
            motif=row["motif"],
            sectors=parse_sectors(row["secteurs"]),
            weight=float(row["poids"]),
            role=(row["role"] or "metier"),  # type: ignore[arg-type]
            note=row["note"],
        )
        for row in read_table("lexicon.csv").rows
    )


@cache
def cpv_rows() -> tuple[CpvRow, ...]:
    return tuple(
        CpvRow(
            code=row["code"],
            sectors=parse_sectors(row["secteurs"]),
            weight=float(row["poids"]),
            label=row["libelle_cpv"],
        )
        for row in read_table("cpv_sectors.csv").rows
    )


@cache
def descriptor_rows() -> tuple[DescriptorRow, ...]:
    return tuple(
        DescriptorRow(
            code=row["code"],
            label=row["libelle"],
            sectors=parse_sectors(row["secteurs"]),
            weight=float(row["poids"]),
        )
        for row in read_table("boamp_descriptors.csv").rows
    )


@cache
def sectors() -> dict[str, Sector]:
    """The 154 sectors of the taxonomy, by slug."""
    return {
        row["slug"]: Sector(slug=row["slug"], name=row["nom"], group=row["groupe"])
        for row in read_table("sectors.csv").rows
    }
