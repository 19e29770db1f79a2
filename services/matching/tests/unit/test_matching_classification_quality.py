"""Sector precision and recall on the hand-labelled titles used for training (a regression floor).

Micro-averaged over (title, sector) pairs at MATCH_THRESHOLD, on titles alone, on each
labelled set (tests/data/labels_*_titles.csv, guidelines in tests/data/LABELING.md).
Every split here has shaped the lexicon or trained the learned model: these are
*training* figures, printed per split (``pytest -s``) and asserted only so that a change
of the tables or of the model does not silently undo what the labels taught. The honest
estimates are elsewhere: grouped cross-validation (test_matching_classification_model.py)
and the frozen blind hold-out of round 6 (test_matching_classification_blind.py).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from chantiers_common.settings import data_dir
from matching.classification import MATCH_THRESHOLD, classify, sector_names

LABELS = Path(__file__).resolve().parents[1] / "data"
SOURCES = ("boamp", "decp")
SPLITS = ("tune", "holdout1", "holdout2", "tune3", "tune4", "tune7")
# A floor for the tuned-on sets, not the product's bar (that one is on the hold-out).
FLOOR = 0.85


def load(source: str) -> list[dict[str, str]]:
    with (LABELS / f"labels_{source}_titles.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def truth(row: dict[str, str]) -> set[str]:
    return {slug for slug in row["sectors"].split(";") if slug}


def micro(rows: list[dict[str, str]]) -> tuple[float, float, int, int, int]:
    right = predicted = expected = 0
    for row in rows:
        guess = {m.slug for m in classify(row["title"]) if m.confidence >= MATCH_THRESHOLD}
        labelled = truth(row)
        right += len(guess & labelled)
        predicted += len(guess)
        expected += len(labelled)
    return right / predicted, right / expected, right, predicted, expected


@pytest.mark.parametrize("source", SOURCES)
def test_tuning_sets_do_not_regress(source: str) -> None:
    rows = load(source)
    for split in SPLITS:
        if not any(row["split"] == split for row in rows):
            continue  # tune3 and tune4 are DECP only
        p, r, right, predicted, expected = micro([row for row in rows if row["split"] == split])
        print(
            f"\n{source} {split:8}: précision {p:.3f} ({right}/{predicted}) "
            f"rappel {r:.3f} ({right}/{expected})"
        )
    precision, recall, right, predicted, expected = micro(rows)
    print(
        f"{source} tout    : précision {precision:.3f} ({right}/{predicted}) "
        f"rappel {recall:.3f} ({right}/{expected}) au seuil {MATCH_THRESHOLD}"
    )
    assert precision >= FLOOR
    assert recall >= FLOOR


@pytest.mark.parametrize("source", SOURCES)
def test_labelled_sets_are_valid(source: str) -> None:
    rows = load(source)
    assert len(rows) >= 200
    assert {"id", "title", "sectors", "split", "origin", "note"} <= set(rows[0])
    assert len({row["id"] for row in rows}) == len(rows)
    boamp_splits = {"tune", "holdout1", "holdout2", "tune7"}
    expected_splits = set(SPLITS) if source == "decp" else boamp_splits
    assert Counter(row["split"] for row in rows).keys() == expected_splits
    known = set(sector_names())
    for row in rows:
        assert row["title"].strip()
        assert truth(row) <= known, row["id"]
    # mostly studies for BOAMP: most titles have no sector, and that is the hard part
    empty = sum(1 for row in rows if not truth(row))
    assert (empty > len(rows) / 2) if source == "boamp" else (empty < len(rows) / 3)


def test_labelled_boamp_titles_are_real_notices() -> None:
    base = data_dir() / "boamp"
    real: dict[str, str] = {}
    for path in base.glob("*.json"):
        payload = json.loads(path.read_text(encoding="utf-8"))
        records = payload["results"] if isinstance(payload, dict) else payload
        real |= {r["idweb"]: " ".join(str(r.get("objet") or "").split()) for r in records}
    for row in load("boamp"):
        assert real.get(row["id"]) == row["title"], row["id"]


def test_labelled_decp_titles_are_real_contracts() -> None:
    real: dict[str, str] = {}
    for name in ("decp_2019_data.gouv.fr_pes.json", "decp_2019_e-marchespublics.json"):
        records = json.loads((data_dir() / "decp" / name).read_text(encoding="utf-8"))["marches"]
        for r in records:
            key = r.get("uid") or f"{r['acheteur']['id']}{r['id']}"
            real.setdefault(key, " ".join(str(r.get("objet") or "").split()))
    for row in load("decp"):
        assert real.get(row["id"]) == row["title"], row["id"]


def test_the_decp_set_holds_the_aci_trades() -> None:
    counts = Counter(slug for row in load("decp") for slug in truth(row))
    for trade in (
        "creation-et-entretien-des-espaces-verts",
        "nettoyage-de-locaux-16",
        "peinture-revetement-des-murs",
        "menuiserie",
        "restauration-collective",
        "textiles-30",
        "blanchisserie",
        "collecte-dencombrants",
        "maraichage",
    ):
        assert counts[trade] >= 1, trade
    assert sum(counts.values()) > 300
