"""Draw rounds 6 (a fresh blind hold-out) and 7 (labels in volume), reproducibly.

    .venv/bin/python services/matching/scripts/sample_volume_rounds.py 6 OUT_DIR
    .venv/bin/python services/matching/scripts/sample_volume_rounds.py 7 OUT_DIR

Both rounds leave out every title labelled before (rounds 1 to 5, by id, and by
case-folded title for both sources, since BOAMP repeats a few titles too) and never run
the classifier: the pools are chosen by words (``sample_label_candidates``), the labels
by reading. Each writes ``OUT_DIR/round<N>_{boamp,decp}.csv`` with the columns of the
labelled files (``sectors`` empty: the skeleton a person fills in).

Round 6, split ``holdout6`` (files ``holdout6_*_titles.csv``), drawn and labelled first,
then frozen, and measured once, at the end:
- DECP: ``DECP_BLIND`` distinct titles at random among the titles not labelled yet;
- BOAMP: ``BOAMP_BLIND_POOL`` titles at random from the *purchase pool* (titles of
  ``boamp_titles_8000.json`` without any study word of ``STUDY_WORDS``, or with a simple
  trade word of ``TRADE_WORDS``: the titles that may name a purchase or a trade), and
  ``BOAMP_BLIND_RANDOM`` at random from the rest (nearly all studies).
Round 7, split ``tune7`` (appended to ``labels_*_titles.csv``): every DECP title still
unlabelled, every title of the BOAMP purchase pool that round 6 did not take, and
``BOAMP_TUNE_RANDOM`` more at random from the rest.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from pathlib import Path

from decp_records import iter_decp
from sample_label_candidates import LABELS, STUDY_WORDS, TRADE_WORDS

from chantiers_common.settings import data_dir
from matching.classification.normalize import strip_accents

SEEDS = {6: 20261125, 7: 20261126}
# 200 at first; 60 more were drawn (random.sample keeps the first 200) once the BOAMP
# positives proved fewer than hoped, before any classifier ran on the hold-out.
DECP_BLIND = 260
BOAMP_BLIND_POOL = 220
BOAMP_BLIND_RANDOM = 80
BOAMP_TUNE_RANDOM = 200
EARLIER_FILES = {
    "boamp": ("labels_boamp_titles.csv", "holdout3_boamp_titles.csv"),
    "decp": ("labels_decp_titles.csv", "holdout3_decp_titles.csv"),
}
Row = tuple[str, str, str]  # id, title, origin


def _already_labelled(source: str, round_: int) -> tuple[set[str], set[str]]:
    files = list(EARLIER_FILES[source])
    if round_ == 7:
        files.append(f"holdout6_{source}_titles.csv")
    rows: list[dict[str, str]] = []
    for name in files:
        with (LABELS / name).open(encoding="utf-8", newline="") as handle:
            rows += [r for r in csv.DictReader(handle) if r["split"] != "tune7"]
    return {r["id"] for r in rows}, {r["title"].casefold() for r in rows}


def _fresh(rows: list[Row], ids: set[str], titles: set[str]) -> list[Row]:
    """Rows not labelled yet, one per case-folded title."""
    seen = set(titles)
    kept = []
    for row in rows:
        key = row[1].casefold()
        if row[1] and row[0] not in ids and key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def in_purchase_pool(title: str) -> bool:
    """No study word, or a simple trade word: the title may name a purchase or a trade."""
    text = strip_accents(title)
    return not STUDY_WORDS.search(text) or bool(TRADE_WORDS.search(text))


def boamp_rows(round_: int) -> list[Row]:
    titles = json.loads((data_dir() / "boamp" / "boamp_titles_8000.json").read_text("utf-8"))
    everything = [(t["idweb"], " ".join(str(t.get("objet") or "").split()), "") for t in titles]
    rows = _fresh(everything, *_already_labelled("boamp", round_))
    pool = [(i, t, "pool_achat") for i, t, _ in rows if in_purchase_pool(t)]
    rest = [(i, t, "titres_8000") for i, t, _ in rows if not in_purchase_pool(t)]
    rng = random.Random(SEEDS[round_])
    if round_ == 6:
        return rng.sample(pool, BOAMP_BLIND_POOL) + rng.sample(rest, BOAMP_BLIND_RANDOM)
    return pool + rng.sample(rest, BOAMP_TUNE_RANDOM)


def decp_rows(round_: int) -> list[Row]:
    contracts = [(c.decp_id, c.title, "aleatoire") for c in iter_decp(data_dir())]
    rows = _fresh(contracts, *_already_labelled("decp", round_))
    if round_ == 6:
        return random.Random(SEEDS[round_]).sample(rows, DECP_BLIND)
    return rows


def main(round_: int, out_dir: Path) -> None:
    split = {6: "holdout6", 7: "tune7"}[round_]
    for source, rows in (("boamp", boamp_rows(round_)), ("decp", decp_rows(round_))):
        random.Random(SEEDS[round_]).shuffle(rows)
        out = out_dir / f"round{round_}_{source}.csv"
        with out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["id", "title", "sectors", "split", "origin", "note"])
            writer.writerows([i, t, "", split, origin, ""] for i, t, origin in rows)
        print(f"{len(rows)} titres écrits dans {out}")


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
