"""Which buyers already awarded contracts to SIAE: pairs (buyer SIRET → winner SIRET)
from the DECP (``data/decp_awards.csv``, built by ``tools/build_decp_awards.py``) and from
the award notices seen since, joined at scoring time with the SIAE the catalog knows
(the registry changes; the pairs do not need to)."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Collection, Iterable
from pathlib import Path

DATA = Path(__file__).parent / "data" / "decp_awards.csv"

Pairs = dict[str, dict[str, int]]


def _index(pairs: Iterable[tuple[str, str, int]]) -> Pairs:
    index: Pairs = defaultdict(dict)
    for buyer, winner, contracts in pairs:
        index[buyer][winner] = index[buyer].get(winner, 0) + contracts
    return dict(index)


class BuyerHistory:
    """DECP pairs (fixed) plus the pairs of award notices seen live (replaced as a whole
    when reloaded from the database, which every replica shares)."""

    def __init__(self, decp: Iterable[tuple[str, str, int]] = ()) -> None:
        self._decp = _index(decp)
        self._live: Pairs = {}

    @classmethod
    def from_file(cls, path: Path = DATA) -> BuyerHistory:
        with path.open(encoding="utf-8", newline="") as f:
            rows = csv.DictReader(line for line in f if not line.startswith("#"))
            return cls((r["acheteur"], r["titulaire"], int(r["contrats"])) for r in rows)

    def set_live(self, pairs: Iterable[tuple[str, str, int]]) -> None:
        self._live = _index(pairs)

    def siae_contracts(self, buyer_siret: str | None, siae: Collection[str]) -> int:
        """Contracts this buyer awarded to winners that are SIAE."""
        if not buyer_siret:
            return 0
        total = 0
        for source in (self._decp, self._live):
            for winner, contracts in source.get(buyer_siret, {}).items():
                if winner in siae:
                    total += contracts
        return total

    def __len__(self) -> int:
        return sum(len(w) for w in self._decp.values()) + sum(len(w) for w in self._live.values())
