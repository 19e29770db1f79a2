"""Rebuild ``classification/data/title_model.json`` from the hand-labelled titles.

    .venv/bin/python services/matching/scripts/build_title_model.py [--cv]

Trains the per-sector regressions of ``title_model_training`` on every labelled title
except the blind hold-out of round 6, and writes the model with its version, settings,
the number of titles and the sha256 of the label files (a test fails when the labels
change and the model was not rebuilt). ``--cv`` also computes the grouped
cross-validated predictions, writes them to ``tests/data/title_model_cv.json`` (with the
key of the labels, code and data they depend on: the test recomputes them when it
changes) and prints precision and recall per source and split, beside the rules alone.
The blind hold-out is never read here.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import title_model_training as training

OUT = (
    Path(__file__).resolve().parents[1]
    / "src"
    / "matching"
    / "classification"
    / "data"
    / "title_model.json"
)


def build() -> dict:
    rows = training.training_rows()
    features = training.featurize(rows)
    return training.fit(
        features, [row.sectors for row in rows], training.C, training.labels_sha256()
    )


def write(payload: dict) -> None:
    # One sector per line: the file stays reviewable in a diff.
    body = ",\n".join(
        f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False, sort_keys=True)}"
        for key, value in payload.items()
        if key != "weights"
    )
    weights = ",\n".join(
        f"    {json.dumps(slug)}: {json.dumps(w, ensure_ascii=False, sort_keys=True)}"
        for slug, w in sorted(payload["weights"].items())
    )
    OUT.write_text("{\n" + body + ',\n  "weights": {\n' + weights + "\n  }\n}\n", "utf-8")


def report_cv() -> None:
    rows = training.training_rows()
    started = time.perf_counter()
    learned = training.cross_validated_predictions(rows)
    training.write_cv(rows, learned)
    rules = training.rules_predictions(rows)
    seconds = time.perf_counter() - started
    print(f"validation croisée groupée ({training.FOLDS} plis) : {seconds:.0f} s")
    for source in ("decp", "boamp"):
        by_split: dict[str, list[int]] = defaultdict(list)
        for index, row in enumerate(rows):
            if row.source == source:
                by_split[row.split].append(index)
                by_split["tout"].append(index)
        for split, indexes in sorted(by_split.items()):
            truths = [rows[i].sectors for i in indexes]
            by_model = training.score(truths, [learned[i] for i in indexes])
            by_rules = training.score(truths, [rules[i] for i in indexes])
            print(f"{source} {split:8} modèle {by_model.describe()}")
            print(f"{'':14} règles {by_rules.describe()}")


def main(argv: list[str]) -> None:
    payload = build()
    write(payload)
    size = OUT.stat().st_size
    weights = sum(len(w) for w in payload["weights"].values())
    print(
        f"{OUT.name} : {len(payload['bias'])} secteurs appris sur {payload['titles']} titres, "
        f"{weights} poids, {size / 1024:.0f} Kio ; étiquettes {payload['labels_sha256'][:12]}…"
    )
    if "--cv" in argv:
        report_cv()


if __name__ == "__main__":
    main(sys.argv[1:])
