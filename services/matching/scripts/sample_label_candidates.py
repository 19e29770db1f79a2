"""Draw the titles to label by hand, reproducibly (seeded), and split them in two halves.

    .venv/bin/python services/matching/scripts/sample_label_candidates.py boamp OUT.csv [2]
    .venv/bin/python services/matching/scripts/sample_label_candidates.py decp OUT.csv [2]
    .venv/bin/python services/matching/scripts/sample_label_candidates.py boamp OUT.csv 3

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

Round 3 (last argument ``3``) is the blind hold-out of the final measure (split
``holdout3``, its own files ``holdout3_*_titles.csv``). It leaves out every title already
labelled (by id, and for DECP by title too), and uses its own seed:
- DECP: 160 distinct titles, 60 from the ACI pool and 100 at random;
- BOAMP: 60 titles at random from the 8,000 (nearly all studies), plus titles of the
  8,000 selected by *simple trade words* (``TRADE_WORDS``), at most ``TRADE_CAP`` per
  word, so that positives exist. That selection favours titles naming a trade in plain
  words: recall measured on it is optimistic (a trade said in other words is not in the
  pool), while its studies *of* trades (« étude … déchets ») make precision harder.
  The trade words still bring almost only studies (the source query favoured them), so
  every title that names a purchase (``PURCHASE_WORDS``: fourniture, travaux, location…)
  and no study word (``STUDY_WORDS``) is added too: the same bias, in the same direction.

Rounds 4 and 5 (last argument ``4`` or ``5``, DECP only): 150 more titles each (50 from
the ACI pool in round 4, 20 in round 5 as the pool runs dry), drawn like round 3 but
leaving it out (round 5 leaves round 4 out too), labelled after round 3 was frozen, each
measured once with the classifier as it stood, then used for tuning (splits ``tune3``
and ``tune4``, appended to ``labels_decp_titles.csv``).
"""

from __future__ import annotations

import csv
import json
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

from decp_records import iter_decp

from chantiers_common.settings import data_dir
from matching.classification.normalize import strip_accents

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
# Round 3: the trade words that select BOAMP titles (unaccented, lower case), and how many
# titles each word may bring (the first word found in a title counts); « restauration »
# alone matches ~200 titles, mostly ecological or heritage restoration.
TRADE_WORDS = re.compile(
    r"\b(nettoyage|espaces? verts?|entretien|collecte|dechets?|restauration|repas|peintures?"
    r"|menuiseries?|demenagements?|textiles?|linge|elagage|tonte|fauchage|debroussaill\w*"
    r"|blanchisserie|proprete|mobiliers?|traiteur|encombrants|vetements|plantations?"
    r"|nettoiement|abattage)\b"
)
PURCHASE_WORDS = re.compile(
    r"\b(fournitures?|acquisition|achat|location|maintenance|livraison|travaux"
    r"|prestations? de service|impression|formation|transport|traduction|gardiennage"
    r"|signaletique|accompagnement social)\b"
)
STUDY_WORDS = re.compile(
    r"\b(etudes?|maitrise d.oeuvre|moe|amo|assistance|diagnostics?|mission|schema|plan"
    r"|evaluation|programmation|faisabilite|conseil|accompagnement|audit|strategie"
    r"|elaboration)\b"
)
TRADE_CAP = {"restauration": 25, "dechet": 20, "collecte": 15}
ROUND3_BOAMP_RANDOM = 60
ROUND12_SPLITS = ("tune", "holdout1", "holdout2")
# Rounds 3 to 5: seed, split, and for DECP (titles from the ACI pool, at random, labelled
# splits and files left out). Rounds 4 and 5 are labelled after round 3 was frozen.
LATER_SEEDS = {3: 20250303, 4: 20250304, 5: 20250305}
LATER_SPLITS = {3: "holdout3", 4: "tune3", 5: "tune4"}
LATER_DECP_ROUNDS: dict[int, tuple[int, int, tuple[str, ...], tuple[str, ...]]] = {
    3: (60, 100, ROUND12_SPLITS, ()),
    4: (50, 100, ROUND12_SPLITS, ("holdout3_decp_titles.csv",)),
    5: (20, 130, (*ROUND12_SPLITS, "tune3"), ("holdout3_decp_titles.csv",)),
}
LABELS = Path(__file__).resolve().parents[1] / "tests" / "data"
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


def _labelled(source: str, splits: tuple[str, ...], *extra_files: str) -> tuple[set[str], set[str]]:
    """Ids and case-folded titles of the labelled ``splits`` (and of ``extra_files``)."""
    with (LABELS / f"labels_{source}_titles.csv").open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["split"] in splits]
    for name in extra_files:
        with (LABELS / name).open(encoding="utf-8", newline="") as handle:
            rows += list(csv.DictReader(handle))
    return {row["id"] for row in rows}, {row["title"].casefold() for row in rows}


def boamp_round3(rng: random.Random) -> list[tuple[str, str, str]]:
    ids, _ = _labelled("boamp", ROUND12_SPLITS)
    titles = json.loads((data_dir() / "boamp" / "boamp_titles_8000.json").read_text("utf-8"))
    rows = [
        (t["idweb"], _clean(t["objet"]), "titres_8000")
        for t in titles
        if t.get("objet") and t["idweb"] not in ids
    ]
    picked = rng.sample(rows, ROUND3_BOAMP_RANDOM)
    taken = {row[0] for row in picked}
    by_word: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for idweb, title, _ in rows:
        if idweb not in taken and (found := TRADE_WORDS.search(strip_accents(title))):
            word = found.group(1).split()[0].rstrip("s")  # dechets → dechet, espaces → espace
            by_word[word].append((idweb, title, f"mots_metiers:{word}"))
    for word in sorted(by_word):
        pool = by_word[word]
        picked += rng.sample(pool, min(len(pool), TRADE_CAP.get(word, len(pool))))
    taken = {row[0] for row in picked}
    for idweb, title, _ in rows:
        text = strip_accents(title)
        if idweb not in taken and PURCHASE_WORDS.search(text) and not STUDY_WORDS.search(text):
            picked.append((idweb, title, "mots_achat"))
    return picked


def decp_later_round(rng: random.Random, round_: int) -> list[tuple[str, str, str]]:
    """Rounds 3 to 5: titles no earlier round took, some from the ACI pool."""
    from_aci_pool, at_random, splits, files = LATER_DECP_ROUNDS[round_]
    ids, titles = _labelled("decp", splits, *files)
    contracts, seen_titles = [], set(titles)
    for contract in iter_decp(data_dir()):
        key = contract.title.casefold()
        if contract.title and contract.decp_id not in ids and key not in seen_titles:
            seen_titles.add(key)
            contracts.append(contract)
    pool = [c for c in contracts if c.cpv.startswith(ACI_CPV_PREFIXES)]
    from_pool = rng.sample(pool, from_aci_pool)
    taken = {c.decp_id for c in from_pool}
    from_rest = rng.sample([c for c in contracts if c.decp_id not in taken], at_random)
    return [(c.decp_id, c.title, "metiers_aci") for c in from_pool] + [
        (c.decp_id, c.title, "aleatoire") for c in from_rest
    ]


def write_later_round(source: str, out: Path) -> None:
    """The skeleton of rounds 3 to 5: the same columns as the labelled files."""
    rng = random.Random(LATER_SEEDS[ROUND])
    if source == "boamp":
        if ROUND != 3:
            raise SystemExit("rounds 4 and 5 are DECP only")
        rows = boamp_round3(rng)
    else:
        rows = decp_later_round(rng, ROUND)
    rng.shuffle(rows)
    split = LATER_SPLITS[ROUND]
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "title", "sectors", "split", "origin", "note"])
        writer.writerows([row_id, title, "", split, origin, ""] for row_id, title, origin in rows)
    print(f"{len(rows)} titres écrits dans {out}")


def main(source: str, out: Path) -> None:
    if ROUND in LATER_SEEDS:
        write_later_round(source, out)
        return
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
