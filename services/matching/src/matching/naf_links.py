"""Which companies are prospects for a sector: the NAF codes of its likely clients and of
companies of the same trade, with weights (reviewed data files under ``data/``)."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

DATA = Path(__file__).parent / "data"
FILES: dict[str, str] = {"client": "naf_clients.csv", "same_trade": "naf_same_trade.csv"}

Relation = Literal["client", "same_trade"]


@dataclass(frozen=True, slots=True)
class NafLink:
    sector: str
    naf: str  # NAF rev2, "68.20A"
    label: str
    weight: float
    why: str
    relation: Relation


def read_links(path: Path, relation: Relation) -> list[NafLink]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return [NafLink(r["secteur"], r["naf"], r["libelle"], float(r["poids"]), r["pourquoi"],
                        relation) for r in rows]


@dataclass(frozen=True)
class NafLinks:
    by_naf: dict[str, tuple[NafLink, ...]]
    by_sector: dict[str, tuple[NafLink, ...]]

    def for_naf(self, naf: str | None) -> tuple[NafLink, ...]:
        return self.by_naf.get(naf or "", ())

    def codes_for(self, sector: str) -> list[str]:
        return sorted({link.naf for link in self.by_sector.get(sector, ())})

    def best(self, sector: str, naf: str | None) -> NafLink | None:
        """The strongest link of this NAF code to this sector (client or same trade)."""
        links = [link for link in self.for_naf(naf) if link.sector == sector]
        return max(links, key=lambda link: link.weight) if links else None


@lru_cache
def load_links(folder: Path = DATA) -> NafLinks:
    by_naf: dict[str, list[NafLink]] = defaultdict(list)
    by_sector: dict[str, list[NafLink]] = defaultdict(list)
    for relation, name in FILES.items():
        for link in read_links(folder / name, relation):  # type: ignore[arg-type]
            by_naf[link.naf].append(link)
            by_sector[link.sector].append(link)
    return NafLinks({k: tuple(v) for k, v in by_naf.items()},
                    {k: tuple(v) for k, v in by_sector.items()})
