"""The final measure on the frozen blind hold-out of round 6: run once, classifier frozen.

    .venv/bin/python services/matching/scripts/evaluate_blind.py

Prints, per source, the figures declared before the measure (LABELING.md, « Tour 6 »):
1. the shipped classifier, titles alone, at MATCH_THRESHOLD, on the blind titles whose
   normalised title was never learnt (the headline; the test asserts the bar on it);
2. the same, split by origin (BOAMP: purchase pool / random studies) and, for DECP, by
   whether the buyer has labelled titles in the training set (numbered series);
3. the rules alone (lexicon v2 frozen) on the same titles;
4. the model retrained without any title of the blind titles' buyers (pessimistic);
5. every blind title, the 15 already-learnt titles included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import title_model_training as training

from matching.classification import MATCH_THRESHOLD, classify
from matching.classification.classifier import classify_by_rules
from matching.classification.combined import classify_with
from matching.classification.title_model import model_from_json

Classifier = Callable[[str], list]


def at_threshold(classifier: Classifier, rows: Sequence[training.Labelled]) -> list[set[str]]:
    return [
        {m.slug for m in classifier(row.title) if m.confidence >= MATCH_THRESHOLD} for row in rows
    ]


def line(name: str, rows: Sequence[training.Labelled], guesses: Sequence[set[str]]) -> None:
    print(f"  {name:34} {training.score([row.sectors for row in rows], guesses).describe()}")


def without_buyers(
    learnt: Sequence[training.Labelled], buyers: set[str], names: dict[str, str]
) -> Classifier:
    kept = [row for row in learnt if training.buyer(row, names) not in buyers]
    payload = training.fit(training.featurize(kept), [row.sectors for row in kept])
    model = model_from_json(payload)
    print(
        f"  (modèle réappris sur {len(kept)} titres, sans les {len(learnt) - len(kept)} des "
        f"acheteurs de la réserve)"
    )
    return lambda title: classify_with(model, title)


def main() -> None:
    learnt = training.training_rows()
    names = training.boamp_buyers()
    learnt_buyers = {training.buyer(row, names) for row in learnt}
    for source in ("decp", "boamp"):
        everything = [row for row in training.blind_rows() if row.source == source]
        seen = training.seen_elsewhere(everything, learnt)
        rows = [row for row in everything if row not in seen]
        print(f"\n{source} : {len(rows)} titres mesurés ({len(seen)} déjà appris écartés)")
        shipped = at_threshold(classify, rows)
        line("classifieur livré", rows, shipped)
        origins = sorted({row.origin for row in rows})
        for origin in origins if len(origins) > 1 else ():
            part = [i for i, row in enumerate(rows) if row.origin == origin]
            line(f"  origine {origin}", [rows[i] for i in part], [shipped[i] for i in part])
        if source == "decp":
            for known in (True, False):
                part = [
                    i
                    for i, row in enumerate(rows)
                    if (training.buyer(row, names) in learnt_buyers) == known
                ]
                label = "acheteur déjà étiqueté" if known else "acheteur nouveau"
                line(f"  {label}", [rows[i] for i in part], [shipped[i] for i in part])
        line("règles seules (lexique v2 figé)", rows, at_threshold(classify_by_rules, rows))
        blind_buyers = {training.buyer(row, names) for row in rows} - {""}
        retrained = without_buyers(learnt, blind_buyers, names)
        line("modèle sans les acheteurs de la réserve", rows, at_threshold(retrained, rows))
        line("tous les titres de la réserve", everything, at_threshold(classify, everything))


if __name__ == "__main__":
    main()
