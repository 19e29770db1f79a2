"""Build ``src/matching/data/decp_awards.csv``: who awarded contracts to whom, from the DECP.

    .venv/bin/python services/matching/tools/build_decp_awards.py [DATA_DIR]

Reads the real 2019 contracts of ``DATA_DIR/decp/`` (default: the project's data folder)
and writes one row per (buyer SIRET, winner SIRET) pair with the number of contracts.
The service joins the winners with the SIAE it knows (from the structures events) when it
scores a lead, so that the file needs no SIAE list and stays right when the registry
changes: "this buyer already awarded N contracts to SIAE". The service never reads the
shared data folder; this file is its compact, versioned copy of what it needs.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path

from chantiers_common.settings import data_dir

DECP_FILES = ("decp_2019_data.gouv.fr_pes.json", "decp_2019_e-marchespublics.json")
OUT = Path(__file__).resolve().parents[1] / "src" / "matching" / "data" / "decp_awards.csv"


def _siret(value: object) -> str | None:
    text = "".join(str(value or "").split())
    return text if len(text) == 14 and text.isdigit() else None


def contract_key(record: dict) -> str:
    # The PES export has "uid" (buyer SIRET + contract id); the other has none, and
    # contract ids alone collide between buyers.
    return record.get("uid") or f"{record['acheteur']['id']}{record['id']}"


def award_pairs(root: Path) -> tuple[Counter[tuple[str, str]], int]:
    """(buyer, winner) → contracts, and how many contracts were read (deduplicated)."""
    pairs: Counter[tuple[str, str]] = Counter()
    seen: set[str] = set()
    for name in DECP_FILES:
        records = json.loads((root / "decp" / name).read_text(encoding="utf-8"))["marches"]
        for record in records:
            key = contract_key(record)
            if key in seen:
                continue
            seen.add(key)
            buyer = _siret((record.get("acheteur") or {}).get("id"))
            if buyer is None:
                continue
            winners = {_siret(t.get("id")) for t in record.get("titulaires") or []
                       if (t.get("typeIdentifiant") or "SIRET").upper() == "SIRET"}
            for winner in winners - {None}:
                pairs[(buyer, winner)] += 1  # type: ignore[index]
    return pairs, len(seen)


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else data_dir()
    pairs, contracts = award_pairs(root)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        f.write("# version: 1\n")
        f.write(f"# Paires acheteur → titulaire des DECP 2019 (data/decp/ :"
                f" {', '.join(DECP_FILES)}), {contracts} contrats lus, construites par"
                " tools/build_decp_awards.py.\n")
        f.write("# contrats : nombre de contrats de l'acheteur attribués à ce titulaire"
                " (SIRET à 14 chiffres).\n")
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["acheteur", "titulaire", "contrats"])
        for (buyer, winner), count in sorted(pairs.items()):
            writer.writerow([buyer, winner, count])
    print(f"{len(pairs)} paires, {contracts} contrats → {OUT}")


if __name__ == "__main__":
    main()
