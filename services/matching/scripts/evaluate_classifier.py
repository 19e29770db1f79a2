"""Measure the classifier on the hand-labelled titles, on titles alone, and list its errors.

    .venv/bin/python services/matching/scripts/evaluate_classifier.py \
        [boamp|decp] [tune|holdout1|holdout2|tune3|tune4|tune7|all] [--errors]

Micro-averaged precision and recall over (title, sector) pairs, at MATCH_THRESHOLD: a
predicted pair is right when the label has it, a labelled pair is found when the
classifier predicts it. ``--errors`` prints every false positive and false negative with
the evidence (see tests/data/LABELING.md for which splits were looked at, and when).
Every split here trained the learned model: these are training figures. The honest
ones come from ``build_title_model.py --cv`` and ``evaluate_blind.py``.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from matching.classification import MATCH_THRESHOLD, classify

LABELS = Path(__file__).resolve().parents[1] / "tests" / "data"
SPLITS = ("tune", "holdout1", "holdout2", "tune3", "tune4", "tune7")


def load(source: str) -> list[dict[str, str]]:
    path = LABELS / f"labels_{source}_titles.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def evaluate(rows: list[dict[str, str]], show_errors: bool) -> tuple[float, float, int, int, int]:
    true_positives = predicted = expected = 0
    for row in rows:
        truth = {s for s in row["sectors"].split(";") if s}
        matches = classify(row["title"])
        guess = {m.slug for m in matches if m.confidence >= MATCH_THRESHOLD}
        true_positives += len(truth & guess)
        predicted += len(guess)
        expected += len(truth)
        if show_errors and truth != guess:
            print(f"\n{row['id']} | {row['title'][:160]}")
            for slug in sorted(guess - truth):
                match = next(m for m in matches if m.slug == slug)
                print(f"   FP {slug} {match.confidence:.2f} {list(match.evidence)}")
            for slug in sorted(truth - guess):
                match = next((m for m in matches if m.slug == slug), None)
                detail = f"{match.confidence:.2f} {list(match.evidence)}" if match else "-"
                print(f"   FN {slug} {detail}")
    precision = true_positives / predicted if predicted else 1.0
    recall = true_positives / expected if expected else 1.0
    return precision, recall, true_positives, predicted, expected


def main(argv: list[str]) -> None:
    sources = [argv[0]] if argv and argv[0] in ("boamp", "decp") else ["boamp", "decp"]
    splits = [a for a in argv if a in (*SPLITS, "all")] or [*SPLITS, "all"]
    show_errors = "--errors" in argv
    for source in sources:
        rows = load(source)
        for split in splits:
            subset = rows if split == "all" else [r for r in rows if r["split"] == split]
            p, r, tp, pred, exp = evaluate(subset, show_errors)
            print(
                f"{source:5} {split:7} titres={len(subset):3} paires étiquetées={exp:3} "
                f"prédites={pred:3} justes={tp:3}  précision={p:.3f}  rappel={r:.3f}"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
