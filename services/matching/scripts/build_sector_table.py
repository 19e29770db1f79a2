"""Write the sector table the classifier ships (slug, French name, group) from the taxonomy.

    .venv/bin/python services/matching/scripts/build_sector_table.py

The service must classify without ``../shared/data``, and its evidence strings and
group rules need each sector's name and group: this keeps the three columns it needs,
from ``siae/lemarche_0b_sectorgroups.json`` and ``siae/lemarche_0c_sectors.json``
(gip-inclusion/le-marche fixtures). A unit test checks that the table still matches them.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from chantiers_common.settings import data_dir

OUT = Path(__file__).resolve().parents[1] / "src/matching/classification/data/sectors.csv"
VERSION = 1


def main() -> None:
    siae = data_dir() / "siae"
    groups = {
        g["pk"]: g["fields"]["name"]
        for g in json.loads((siae / "lemarche_0b_sectorgroups.json").read_text(encoding="utf-8"))
    }
    sectors = json.loads((siae / "lemarche_0c_sectors.json").read_text(encoding="utf-8"))
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        handle.write(f"# version: {VERSION}\n")
        handle.write(
            "# Taxonomie des secteurs du marché de l'inclusion (154 secteurs, 20 groupes),"
            " extraite de siae/lemarche_0c_sectors.json et lemarche_0b_sectorgroups.json"
            " par scripts/build_sector_table.py.\n"
        )
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["slug", "nom", "groupe"])
        for sector in sorted(sectors, key=lambda s: s["pk"]):
            fields = sector["fields"]
            writer.writerow([fields["slug"], fields["name"], groups[fields["group"]]])
    print(f"{len(sectors)} secteurs écrits dans {OUT}")


if __name__ == "__main__":
    main()
