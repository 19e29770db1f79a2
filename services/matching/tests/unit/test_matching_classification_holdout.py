"""The round-3 hold-out: frozen, real, apart from the earlier rounds (LABELING.md).

``holdout3_boamp_titles.csv`` and ``holdout3_decp_titles.csv`` were drawn and labelled by
reading, before the classifier was run on them, then frozen (their sha256 is below and in
LABELING.md), and measured once (DECP 0.820 / 0.820, BOAMP 0.353 / 0.429, below the bar).
Their errors were then read, so they stopped being blind: since round 7 they are training
data of the learned model, and the bar is asserted on the blind hold-out of round 6
(test_matching_classification_blind.py) and by cross-validation
(test_matching_classification_model.py). These tests keep the files as they were frozen.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from chantiers_common.settings import data_dir
from matching.classification import sector_names

LABELS = Path(__file__).resolve().parents[1] / "data"
# Frozen when labelling ended (round 3); any edit of the files must show here.
FROZEN = {
    "boamp": "e13edcaa2732c02cc2a0ce750f89ca28d14586bf59c319628ec245462ffeb3cb",
    "decp": "659210cdbd0a04f52f52a14162151ec4bf4887013fdad0e5552b5e2c4431076a",
}


def path(source: str) -> Path:
    return LABELS / f"holdout3_{source}_titles.csv"


def load(source: str) -> list[dict[str, str]]:
    with path(source).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def truth(row: dict[str, str]) -> set[str]:
    return {slug for slug in row["sectors"].split(";") if slug}


@pytest.mark.parametrize("source", sorted(FROZEN))
def test_the_hold_out_is_frozen(source: str) -> None:
    assert hashlib.sha256(path(source).read_bytes()).hexdigest() == FROZEN[source]


@pytest.mark.parametrize("source", sorted(FROZEN))
def test_the_hold_out_shares_no_title_with_the_tuning_sets(source: str) -> None:
    rows = load(source)
    with (LABELS / f"labels_{source}_titles.csv").open(encoding="utf-8", newline="") as handle:
        tuning = list(csv.DictReader(handle))
    assert len({row["id"] for row in rows}) == len(rows)
    assert not {row["id"] for row in rows} & {row["id"] for row in tuning}
    if source == "decp":  # DECP repeats titles under several ids: titles are left out too
        assert not {r["title"].casefold() for r in rows} & {r["title"].casefold() for r in tuning}
    assert {row["split"] for row in rows} == {"holdout3"}
    known = set(sector_names())
    assert all(truth(row) <= known for row in rows)
    assert len(rows) >= 150


def test_the_hold_out_titles_are_real() -> None:
    boamp = json.loads((data_dir() / "boamp" / "boamp_titles_8000.json").read_text("utf-8"))
    real = {r["idweb"]: " ".join(str(r.get("objet") or "").split()) for r in boamp}
    for row in load("boamp"):
        assert real.get(row["id"]) == row["title"], row["id"]
    real = {}
    for name in ("decp_2019_data.gouv.fr_pes.json", "decp_2019_e-marchespublics.json"):
        records = json.loads((data_dir() / "decp" / name).read_text(encoding="utf-8"))["marches"]
        for r in records:
            key = r.get("uid") or f"{r['acheteur']['id']}{r['id']}"
            real.setdefault(key, " ".join(str(r.get("objet") or "").split()))
    for row in load("decp"):
        assert real.get(row["id"]) == row["title"], row["id"]


def test_the_hold_out_has_positives_of_the_aci_trades() -> None:
    counts = Counter(slug for source in FROZEN for row in load(source) for slug in truth(row))
    assert sum(counts.values()) >= 120
    trades = ("creation-et-entretien-des-espaces-verts", "nettoyage-de-locaux-16", "menuiserie")
    for trade in trades:
        assert counts[trade] >= 3, trade
