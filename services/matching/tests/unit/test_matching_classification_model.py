"""The learned title model: built from the current labels, reproducible, fast, measured.

The honest estimate of the learned part is grouped cross-validation (5 folds; a buyer's
titles, and titles equal once normalised, never sit on both sides): its out-of-fold
predictions are shipped in ``tests/data/title_model_cv.json`` by
``scripts/build_title_model.py --cv`` and recomputed here whenever the labels, the
classifier's code or its data changed since (``cv_key``). The lexicon (frozen at its
committed version) was tuned on most of these titles, which flatters every split but
``tune7``, the titles labelled in round 7 that neither the lexicon nor its author ever
saw: the bar is asserted there (LABELING.md, « Tour 7 »).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from chantiers_common.settings import data_dir
from matching.classification import MATCH_THRESHOLD, classify, sector_names
from matching.classification.title_model import shipped_model

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import title_model_training as training

BAR = 0.85
MODEL_FILE = training.PACKAGE / "data" / "title_model.json"
# Measured (LABELING.md, « Tour 7 ») with the model as shipped; the test keeps asserting
# the bar and fails as expected until a classifier passes it.
NOT_MET = {
    "decp": "mesuré : précision 0,862 (168/195), rappel 0,743 (168/226) < 0,85",
    "boamp": "mesuré : précision 0,598 (49/82), rappel 0,628 (49/78) < 0,85",
}


@pytest.fixture(scope="module")
def rows() -> list[training.Labelled]:
    return training.training_rows()


@pytest.fixture(scope="module")
def cross_validated(rows: list[training.Labelled]) -> list[set[str]]:
    predictions, recomputed = training.shipped_or_fresh_cv(rows)
    if recomputed:
        print("\nprédictions de validation croisée recalculées (étiquettes ou code changés)")
    return predictions


def test_the_model_was_learnt_from_the_current_labels(rows: list[training.Labelled]) -> None:
    payload = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert payload["version"] >= 1
    assert payload["labels_sha256"] == training.labels_sha256(), (
        "les étiquettes ont changé : relancer scripts/build_title_model.py --cv"
    )
    assert payload["titles"] == len(rows)
    model = shipped_model()
    assert model.sectors <= set(sector_names())
    assert len(model.sectors) >= 40
    assert all(n >= training.MIN_POSITIVES for n in model.positives.values())
    assert MODEL_FILE.stat().st_size < 1_000_000  # compact: weights under 0.1 are left out


def test_the_build_script_reproduces_the_shipped_model(rows: list[training.Labelled]) -> None:
    rebuilt = training.fit(
        training.featurize(rows),
        [row.sectors for row in rows],
        labels_hash=training.labels_sha256(),
    )
    assert rebuilt == json.loads(MODEL_FILE.read_text(encoding="utf-8"))


def test_the_blind_hold_out_is_never_learnt_from(rows: list[training.Labelled]) -> None:
    blind = training.blind_rows()
    assert {r.id for r in blind}.isdisjoint({r.id for r in rows})
    assert {r.title.casefold() for r in blind}.isdisjoint({r.title.casefold() for r in rows})
    # 15 blind titles equal a learnt one once normalised (« LOT No4 » / « LOT No 4 »): the
    # round-6 draw compared case-folded titles only. They are left out of the measure.
    assert len(training.seen_elsewhere(blind, rows)) == 15
    assert all(name.startswith(("labels_", "holdout3_")) for _, name in training.TRAINING_FILES)


def test_groups_keep_a_buyer_and_a_title_together(rows: list[training.Labelled]) -> None:
    groups = training.groups(rows)
    by_buyer: dict[str, set[int]] = defaultdict(set)
    by_title: dict[str, set[int]] = defaultdict(set)
    for row, group in zip(rows, groups, strict=True):
        if row.source == "decp":
            by_buyer[row.id[:14]].add(group)
        by_title[training.normalised_title(row.title) or row.id].add(group)
    assert all(len(g) == 1 for g in by_buyer.values())
    assert all(len(g) == 1 for g in by_title.values())
    assert len(set(groups)) >= 5 * training.FOLDS  # enough groups for the folds


def test_a_title_costs_well_under_a_millisecond() -> None:
    path = data_dir() / "boamp" / "boamp_titles_8000.json"
    titles = [r["objet"] for r in json.loads(path.read_text(encoding="utf-8"))[:2000]]
    classify(titles[0])  # the model is loaded once
    durations = []
    for title in titles:
        started = time.perf_counter()
        classify(title)
        durations.append(time.perf_counter() - started)
    assert statistics.fmean(durations) < 0.001


def report(rows: list[training.Labelled], predictions: list[set[str]], source: str) -> None:
    by_split: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        if row.source == source:
            by_split[row.split].append(index)
            by_split["tout"].append(index)
    for split, indexes in sorted(by_split.items()):
        result = training.score(
            [rows[i].sectors for i in indexes], [predictions[i] for i in indexes]
        )
        print(f"\n{source} {split:8} (validation croisée) {result.describe()}")


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(source, marks=pytest.mark.xfail(strict=True, reason=NOT_MET[source]))
        for source in ("boamp", "decp")
    ],
)
def test_precision_and_recall_by_cross_validation_on_titles_the_lexicon_never_saw(
    source: str, rows: list[training.Labelled], cross_validated: list[set[str]]
) -> None:
    report(rows, cross_validated, source)
    unseen = [i for i, row in enumerate(rows) if row.source == source and row.split == "tune7"]
    result = training.score([rows[i].sectors for i in unseen], [cross_validated[i] for i in unseen])
    assert result.expected >= 70  # enough pairs to mean something
    print(f"\n{source} tune7 au seuil {MATCH_THRESHOLD} : {result.describe()}")
    assert result.precision >= BAR
    assert result.recall >= BAR
