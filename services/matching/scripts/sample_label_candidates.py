"""Draw the titles to label by hand, reproducibly (seeded), and split them in two halves.

    .venv/bin/python services/matching/scripts/sample_label_candidates.py boamp OUT.csv [2]
    .venv/bin/python services/matching/scripts/sample_label_candidates.py decp OUT.csv [2]

BOAMP: 300 titles drawn at random from ``boamp_titles_8000.json`` (mostly studies, as the
source query favoured the "Etude" descriptor) plus every title of the full records
(``boamp_full_records_45.json`` and the other small full-record files), which are real
calls for tenders of every kind.

DECP: 300 distinct titles, 210 drawn at random from all contracts and 90 from the
contracts whose CPV division is one of the traditional ACI trades (green spaces,
cleaning, waste, catering, food, textile, furniture, building finishing, removals,
laundry, printing), so that those trades are present in the set. The CPV only chooses
the pool: the label is decided by reading the title.

Round 1 gives each row a split: ``tune`` (used while writing the lexicon) or ``holdout1``
(labelled later, measured once with the lexicon frozen, then used for tuning).
Round 2 (last argument ``2``) draws fresh titles that round 1 did not take: 150 BOAMP
titles at random, and 150 DECP titles (105 at random, 45 from the ACI pool), all in
split ``holdout2``, labelled with the lexicon frozen again and measured once. The output
holds no label: it is the skeleton that a person fills in.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from pathlib import Path

from decp_records import iter_decp

from chantiers_common.settings import data_dir

SEED = 20240517
BOAMP_RANDOM = 300
DECP_RANDOM = 210
DECP_ACI_POOL = 90
ROUND2_SIZE = 150
ROUND = 1
# CPV prefixes of the trades that ACIs traditionally sell (see MISSION.md).
ACI_CPV_PREFIXES = (
    "03",  # agricultural and horticultural products
    "15",  # food
    "18",  # clothing
    "19",  # leather and textile fabrics
    "391",  # furniture
    "395",  # textile articles
    "453",  # building installation work (electricity, plumbing)
    "454",  # building completion work (painting, floors, joinery)
    "55",  # catering
    "77",  # agricultural, forestry, horticultural services
    "798",  # printing
    "90",  # refuse, cleaning, environmental services
    "9831",  # laundry
    "98392",  # removals
)
BOAMP_FULL_RECORD_FILES = (
    "boamp_full_records_45.json",
    "boamp_v110_2006_20records.json",
    "boamp_ods_v2.1_records_full_2records_2024.json",
    "boamp_eforms_2025_award_1record.json",
    "boamp_joue_2023_awards_2records.json",
)


def _clean(text: str) -> str:
    return " ".join(text.split())


def _records(path: Path) -> list[dict]:
    payload = json.loads(path.read_text(encoding="utf-8"))
    return payload["results"] if isinstance(payload, dict) else payload


def boamp_candidates(rng: random.Random) -> list[tuple[str, str, str]]:
    base = data_dir() / "boamp"
    titles = json.loads((base / "boamp_titles_8000.json").read_text(encoding="utf-8"))
    rows = [(t["idweb"], _clean(t["objet"]), "titres_8000") for t in titles if t.get("objet")]
    picked = rng.sample(rows, BOAMP_RANDOM)
    if ROUND == 2:
        taken = {row[0] for row in picked}
        return rng.sample([row for row in rows if row[0] not in taken], ROUND2_SIZE)
    seen = {idweb for idweb, _, _ in picked}
    for name in BOAMP_FULL_RECORD_FILES:
        for record in _records(base / name):
            idweb, title = record.get("idweb"), _clean(record.get("objet") or "")
            if idweb and title and idweb not in seen:
                seen.add(idweb)
                picked.append((idweb, title, name.removesuffix(".json")))
    return picked


def decp_candidates(rng: random.Random) -> list[tuple[str, str, str]]:
    contracts, seen_titles = [], set()
    for contract in iter_decp(data_dir()):
        key = contract.title.casefold()
        if contract.title and key not in seen_titles:  # one row per distinct title
            seen_titles.add(key)
            contracts.append(contract)
    pool = [c for c in contracts if c.cpv.startswith(ACI_CPV_PREFIXES)]
    from_pool = rng.sample(pool, DECP_ACI_POOL)
    taken = {c.decp_id for c in from_pool}
    rest = [c for c in contracts if c.decp_id not in taken]
    from_rest = rng.sample(rest, DECP_RANDOM)
    if ROUND == 2:
        taken |= {c.decp_id for c in from_rest}
        pool = [c for c in pool if c.decp_id not in taken]
        from_pool = rng.sample(pool, ROUND2_SIZE * 3 // 10)
        taken |= {c.decp_id for c in from_pool}
        rest = [c for c in contracts if c.decp_id not in taken]
        from_rest = rng.sample(rest, ROUND2_SIZE - len(from_pool))
    return [(c.decp_id, c.title, "metiers_aci") for c in from_pool] + [
        (c.decp_id, c.title, "aleatoire") for c in from_rest
    ]


def main(source: str, out: Path) -> None:
    rng = random.Random(SEED)  # round 2 replays round 1's draws, then draws on
    rows = boamp_candidates(rng) if source == "boamp" else decp_candidates(rng)
    rng.shuffle(rows)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "origin", "split"])
        for index, (row_id, title, origin) in enumerate(rows):
            # Round 1 alternates after the shuffle: both halves get the same mix of origins.
            split = "holdout2" if ROUND == 2 else ("tune" if index % 2 == 0 else "holdout1")
            writer.writerow([row_id, title, origin, split])
    print(f"{len(rows)} titres écrits dans {out}")


if __name__ == "__main__":
    ROUND = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    main(sys.argv[1], Path(sys.argv[2]))
