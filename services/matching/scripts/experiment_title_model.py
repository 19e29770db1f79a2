"""Experiment (not shipped): a linear title → sectors model learned from CPV labels and DECP.

    .venv/bin/python services/matching/scripts/experiment_title_model.py

Kept so that a reviewer can rerun what was tried and why it was left out: on the
labelled titles (never the round-3 hold-out), the model alone reaches a sector recall of
about 0.2-0.3 at a precision of 0.6-0.7, and added to the lexicon (as confirming
evidence or as a fallback when the lexicon finds nothing) it gains one or two points of
recall on unseen DECP titles for a loss of precision on BOAMP studies. The weak labels
are the cause: the buyers' CPV codes follow other conventions than LABELING.md (a lot
« Électricité » of a building is coded 45000000, works) and the CPV labels describe
products, not titles.

Two sources, both weakly labelled through the classifier's CPV table (``cpv_sectors.csv``,
longest prefix wins), so that no person had to label them:
- the 9,454 French labels of CPV 2008 (``reference/cpv_2008_fr.csv``): the official
  vocabulary of every product and service, « Services de taille des arbres », « Travaux
  de bardage »… A code whose row gives sectors is a positive example of them; a code
  with no row, an empty row or a study row (``@etude``) is a negative example for every
  sector; a code whose row is too vague (weight under ``MIN_CPV_WEIGHT``) is left out;
- the real 2019 DECP contracts (``decp/``), whose buyer chose a CPV code for the title.
  Every hand-labelled contract is left out, by id, by title and by normalised title:
  every split of ``labels_decp_titles.csv`` and the frozen hold-out
  ``holdout3_decp_titles.csv``, so that every labelled title measures a model that never
  saw it. A buyer that publishes one title for twelve lots weighs as one contract.

How it was built. Features are the normalised stems of the title (``normalize.tokens``)
and their adjacent pairs, the same words the lexicon reads. One logistic regression per
sector (one against the rest), trained full-batch with Adam and an L2 penalty, in numpy:
the service would only sum weights, so it would need neither numpy nor scikit-learn at run time.
Output: the figures per labelled split, printed; nothing is written into the package.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from decp_records import iter_decp

from chantiers_common.settings import data_dir
from matching.classification.normalize import tokens
from matching.classification.tables import cpv_rows

SERVICE = Path(__file__).resolve().parents[1]
LABEL_FILES = (
    SERVICE / "tests" / "data" / "labels_decp_titles.csv",
    SERVICE / "tests" / "data" / "holdout3_decp_titles.csv",
)
LABELLED_SPLITS = SERVICE / "tests" / "data"
MIN_CPV_WEIGHT = 0.5  # CPV rows below this weight are too vague to serve as labels
DECP_WEIGHT = 3.0  # a real title teaches more about titles than a CPV label does
L2 = 3e-4  # penalty per weight, relative to the total example weight
STEPS = 400
LEARNING_RATE = 0.05
CONFIRM_WEIGHT = 0.45  # the model's evidence, times its probability, beside the lexicon
MIN_POSITIVES = 2  # a sector with fewer positive examples is not learned


@dataclass
class Example:
    features: tuple[str, ...]
    sectors: frozenset[str]
    weight: float


def features(stems: tuple[str, ...]) -> tuple[str, ...]:
    """Stems and adjacent pairs of stems, each once."""
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(stems)]
    return tuple(dict.fromkeys([*stems, *pairs]))


def excluded_ids_digest(ids: set[str]) -> str:
    """The hash the unit test recomputes from the labels files."""
    return hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()


def labelled() -> tuple[set[str], set[str], set[tuple[str, ...]]]:
    rows = []
    for path in LABEL_FILES:
        with path.open(encoding="utf-8", newline="") as handle:
            rows += list(csv.DictReader(handle))
    return (
        {row["id"] for row in rows},
        {row["title"].casefold() for row in rows},
        {tokens(row["title"]) for row in rows},
    )


def cpv_labels(code: str) -> frozenset[str] | None:
    """Sectors of a CPV code for training; None when the table is too vague to say."""
    by_prefix = _by_prefix()
    code = code.ljust(8, "0")
    for length in range(8, 1, -1):
        row = by_prefix.get(code[:length])
        if row is None:
            continue
        if row.sectors.study or not row.sectors.add:
            return frozenset()
        return frozenset(row.sectors.add) if row.weight >= MIN_CPV_WEIGHT else None
    return frozenset()


_PREFIXES: dict = {}


def _by_prefix() -> dict:
    if not _PREFIXES:
        _PREFIXES.update({row.prefix: row for row in cpv_rows()})
    return _PREFIXES


def cpv_examples() -> list[Example]:
    path = data_dir() / "reference" / "cpv_2008_fr.csv"
    examples = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            sectors = cpv_labels(row["CODE"].split("-")[0])
            found = features(tokens(row["FR"]))
            if sectors is not None and found:
                examples.append(Example(found, sectors, 1.0))
    return examples


def decp_examples() -> tuple[list[Example], int, int]:
    ids, titles, normalised = labelled()
    by_title: dict[tuple[str, tuple[str, ...]], list[frozenset[str]]] = defaultdict(list)
    skipped = 0
    for contract in iter_decp(data_dir()):
        stems = tokens(contract.title)
        if contract.decp_id in ids or contract.title.casefold() in titles or stems in normalised:
            skipped += 1
            continue
        sectors = cpv_labels(contract.cpv)
        if sectors is not None and stems:
            by_title[(contract.buyer, stems)].append(sectors)
    examples = []
    for (_, stems), labels in by_title.items():
        # One buyer's repeated title counts once, with its most frequent CPV sectors.
        sectors = Counter(labels).most_common(1)[0][0]
        examples.append(Example(features(stems), sectors, DECP_WEIGHT))
    return examples, skipped, len(by_title)


def train(examples: list[Example]) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    counts = Counter(s for e in examples for s in e.sectors)
    sectors = sorted(s for s, n in counts.items() if n >= MIN_POSITIVES)
    vocabulary = sorted({f for e in examples for f in e.features})
    feature_index = {f: i for i, f in enumerate(vocabulary)}
    sector_index = {s: i for i, s in enumerate(sectors)}

    indices = np.array([feature_index[f] for e in examples for f in e.features], dtype=np.int64)
    lengths = np.array([len(e.features) for e in examples], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    doc_of = np.repeat(np.arange(len(examples)), lengths)
    order = np.argsort(indices, kind="stable")
    feature_starts = np.searchsorted(indices[order], np.arange(len(vocabulary)))
    sample = np.array([e.weight for e in examples])[:, None]
    y = np.zeros((len(examples), len(sectors)))
    for row, example in enumerate(examples):
        for sector in example.sectors:
            if sector in sector_index:
                y[row, sector_index[sector]] = 1.0

    weights = np.zeros((len(vocabulary), len(sectors)))
    bias = np.log((y * sample).sum(0) + 1) - np.log(sample.sum())
    total = sample.sum()
    moments = [
        np.zeros_like(weights),
        np.zeros_like(weights),
        np.zeros_like(bias),
        np.zeros_like(bias),
    ]
    for step in range(1, STEPS + 1):
        scores = np.add.reduceat(weights[indices], starts, axis=0) + bias
        probabilities = 1.0 / (1.0 + np.exp(-scores))
        error = (probabilities - y) * sample / total
        grad_w = np.add.reduceat(error[doc_of[order]], feature_starts, axis=0) + L2 * weights
        grad_b = error.sum(0)
        for (m, v, grad), param in (
            ((moments[0], moments[1], grad_w), weights),
            ((moments[2], moments[3], grad_b), bias),
        ):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad**2
            param -= LEARNING_RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
        if step % 100 == 0:
            loss = (
                -(
                    sample
                    * (
                        y * np.log(probabilities + 1e-12)
                        + (1 - y) * np.log(1 - probabilities + 1e-12)
                    )
                ).sum()
                / total
            )
            print(f"  pas {step} : perte {loss:.4f}", file=sys.stderr)
    return vocabulary, sectors, weights, bias


def evaluate(
    vocabulary: list[str], sectors: list[str], weights: np.ndarray, bias: np.ndarray
) -> None:
    """Model alone, and lexicon + model, on every labelled split (the hold-out excluded)."""
    from matching.classification import MATCH_THRESHOLD, classify

    index = {f: i for i, f in enumerate(vocabulary)}

    def probabilities(title: str) -> dict[str, float]:
        scores = bias.copy()
        for feature in features(tokens(title)):
            if feature in index:
                scores = scores + weights[index[feature]]
        return dict(zip(sectors, 1.0 / (1.0 + np.exp(-scores)), strict=True))

    for source in ("decp", "boamp"):
        with (LABELLED_SPLITS / f"labels_{source}_titles.csv").open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        for split in sorted({row["split"] for row in rows}):
            counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
            for row in (r for r in rows if r["split"] == split):
                truth = {s for s in row["sectors"].split(";") if s}
                model = probabilities(row["title"])
                confidences = {m.slug: m.confidence for m in classify(row["title"])}
                lexicon = {s for s, c in confidences.items() if c >= MATCH_THRESHOLD}
                confirmed = {
                    s
                    for s in set(confidences) | set(model)
                    if 1 - (1 - confidences.get(s, 0.0)) * (1 - CONFIRM_WEIGHT * model.get(s, 0.0))
                    >= MATCH_THRESHOLD
                }
                guesses = {
                    "modèle seul @0.5": {s for s, p in model.items() if p >= 0.5},
                    "modèle seul @0.7": {s for s, p in model.items() if p >= 0.7},
                    "lexique": lexicon,
                    "lexique + modèle (confirmation)": confirmed,
                    "lexique, sinon modèle @0.7": lexicon
                    or {s for s, p in model.items() if p >= 0.7},
                }
                for name, guess in guesses.items():
                    counts[name][0] += len(guess & truth)
                    counts[name][1] += len(guess)
                    counts[name][2] += len(truth)
            for name, (right, predicted, expected) in counts.items():
                print(
                    f"{source:5} {split:8} {name:32} précision {right / max(predicted, 1):.3f}"
                    f" ({right}/{predicted}) rappel {right / max(expected, 1):.3f}"
                    f" ({right}/{expected})"
                )


def main() -> None:
    from_cpv = cpv_examples()
    from_decp, skipped, kept = decp_examples()
    print(
        f"{len(from_cpv)} libellés CPV, {kept} titres DECP d'acheteurs distincts,"
        f" {skipped} contrats étiquetés écartés (empreinte {excluded_ids_digest(labelled()[0])})"
    )
    evaluate(*train(from_cpv + from_decp))


if __name__ == "__main__":
    main()
