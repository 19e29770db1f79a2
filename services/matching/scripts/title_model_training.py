"""Train and cross-validate the learned title model (shared by the build script and a test).

The model: one L2 logistic regression per sector that has at least ``MIN_POSITIVES``
labelled titles, on ``classification.features.title_features`` (stems, stem pairs, the
rules' confidences and cues). Sectors with fewer labels keep the rules' confidence.

Labels: every hand-labelled title (``tests/data/labels_*_titles.csv`` and the round-3
hold-out, which has been looked at) except the frozen blind hold-out of round 6
(``holdout6_*``), which no training or tuning ever reads.

Cross-validation is grouped: two titles of the same buyer (DECP: the buyer's SIRET;
BOAMP: ``nomacheteur``), or with the same normalised title, never sit on both sides of a
split, because numbered series (« … lot 4 ») would otherwise be learnt by heart.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from chantiers_common.settings import data_dir
from matching.classification.classifier import MATCH_THRESHOLD, classify_by_rules
from matching.classification.combined import classify_with
from matching.classification.features import title_features
from matching.classification.normalize import tokens
from matching.classification.title_model import TitleModel, model_from_json

LABELS = Path(__file__).resolve().parents[1] / "tests" / "data"
TRAINING_FILES = (
    ("boamp", "labels_boamp_titles.csv"),
    ("boamp", "holdout3_boamp_titles.csv"),
    ("decp", "labels_decp_titles.csv"),
    ("decp", "holdout3_decp_titles.csv"),
)
BLIND_FILES = (("boamp", "holdout6_boamp_titles.csv"), ("decp", "holdout6_decp_titles.csv"))
# A sector needs this many labelled titles to get its own learned classifier.
MIN_POSITIVES = 4
# Inverse regularisation strength of every per-sector regression (chosen by grouped CV,
# see LABELING.md « Ce qui a été essayé »).
C = 4.0
FOLDS = 5
CHAR_NGRAMS: tuple[int, ...] = ()
# Weights smaller than this are left out of the shipped file: dropping them changes no
# cross-validated decision (measured at 0.02, 0.05 and 0.1) and divides the file by 20.
WEIGHT_FLOOR = 0.1
MODEL_VERSION = 1


@dataclass(frozen=True)
class Labelled:
    source: str  # boamp | decp
    id: str
    title: str
    sectors: frozenset[str]
    split: str
    origin: str


def read_rows(files: Iterable[tuple[str, str]]) -> list[Labelled]:
    rows = []
    for source, name in files:
        with (LABELS / name).open(encoding="utf-8", newline="") as handle:
            rows += [
                Labelled(
                    source=source,
                    id=row["id"],
                    title=row["title"],
                    sectors=frozenset(s for s in row["sectors"].split(";") if s),
                    split=row["split"],
                    origin=row["origin"],
                )
                for row in csv.DictReader(handle)
            ]
    return rows


def training_rows() -> list[Labelled]:
    return read_rows(TRAINING_FILES)


def blind_rows() -> list[Labelled]:
    return read_rows(BLIND_FILES)


def labels_sha256(files: Iterable[tuple[str, str]] = TRAINING_FILES) -> str:
    """One hash of the training label files, in order: the model records what it learnt."""
    digest = hashlib.sha256()
    for _, name in files:
        digest.update(name.encode())
        digest.update((LABELS / name).read_bytes())
    return digest.hexdigest()


PACKAGE = Path(__file__).resolve().parents[1] / "src" / "matching" / "classification"
CV_FILE = LABELS / "title_model_cv.json"


def cv_key() -> str:
    """What the cross-validated predictions depend on: labels, classifier code and data.

    The shipped predictions (``CV_FILE``) are trusted only while this key is unchanged;
    otherwise the test recomputes them.
    """
    digest = hashlib.sha256(labels_sha256().encode())
    paths = sorted(PACKAGE.glob("*.py")) + sorted((PACKAGE / "data").glob("*"))
    for path in [*paths, Path(__file__)]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def row_key(row: Labelled) -> str:
    return f"{row.source}:{row.id}"


def shipped_or_fresh_cv(rows: Sequence[Labelled]) -> tuple[list[set[str]], bool]:
    """Out-of-fold predictions from ``CV_FILE`` if still valid, else recomputed.

    Returns the predictions and whether they were recomputed.
    """
    if CV_FILE.exists():
        payload = json.loads(CV_FILE.read_text(encoding="utf-8"))
        if payload["key"] == cv_key() and payload["folds"] == FOLDS:
            by_row = payload["predictions"]
            if all(row_key(row) in by_row for row in rows):
                return [set(by_row[row_key(row)]) for row in rows], False
    return cross_validated_predictions(rows), True


def write_cv(rows: Sequence[Labelled], predictions: Sequence[set[str]]) -> None:
    payload = {
        "key": cv_key(),
        "folds": FOLDS,
        "predictions": {
            row_key(row): sorted(guess) for row, guess in zip(rows, predictions, strict=True)
        },
    }
    CV_FILE.write_text(json.dumps(payload, ensure_ascii=False, indent=0) + "\n", "utf-8")


def normalised_title(title: str) -> str:
    return " ".join(tokens(title))


def seen_elsewhere(rows: Sequence[Labelled], others: Sequence[Labelled]) -> list[Labelled]:
    """The rows whose normalised title is also the title of one of ``others``."""
    known = {normalised_title(other.title) for other in others}
    return [row for row in rows if normalised_title(row.title) in known]


def buyer(row: Labelled, boamp: dict[str, str]) -> str:
    """DECP: the buyer's SIRET (the id starts with it); BOAMP: ``nomacheteur``."""
    return row.id[:14] if row.source == "decp" else boamp.get(row.id, "")


def boamp_buyers() -> dict[str, str]:
    buyers: dict[str, str] = {}
    for path in sorted((data_dir() / "boamp").glob("*.json")):
        payload = json.loads(path.read_text(encoding="utf-8"))
        records = payload["results"] if isinstance(payload, dict) else payload
        for record in records:
            name = record.get("nomacheteur") or ""
            buyers.setdefault(record["idweb"], " ".join(str(name).casefold().split()))
    return buyers


def groups(rows: Sequence[Labelled]) -> list[int]:
    """Connected components of « same buyer » and « same normalised title » (union-find)."""
    buyers = boamp_buyers()
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_of: dict[tuple[str, str], int] = {}
    for index, row in enumerate(rows):
        keys = [("titre", normalised_title(row.title) or row.id)]
        if name := buyer(row, buyers):
            keys.append((f"acheteur-{row.source}", name))
        for key in keys:
            if key in first_of:
                parent[find(index)] = find(first_of[key])
            else:
                first_of[key] = index
    return [find(i) for i in range(len(rows))]


def featurize(rows: Sequence[Labelled]) -> list[dict[str, float]]:
    return [title_features(row.title, classify_by_rules(row.title), CHAR_NGRAMS) for row in rows]


def fit(
    features: Sequence[dict[str, float]],
    labels: Sequence[frozenset[str]],
    c: float = C,
    labels_hash: str = "",
) -> dict:
    """Train one regression per sector with enough labels; return the shipped JSON payload."""
    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform(features).tocsr()
    # liblinear takes 32-bit indices only; DictVectorizer may give 64-bit ones.
    matrix.indices = matrix.indices.astype(np.int32)
    matrix.indptr = matrix.indptr.astype(np.int32)
    names = vectorizer.get_feature_names_out()
    counts: dict[str, int] = defaultdict(int)
    for sectors in labels:
        for slug in sectors:
            counts[slug] += 1
    weights: dict[str, dict[str, float]] = {}
    bias: dict[str, float] = {}
    for slug in sorted(s for s, n in counts.items() if n >= MIN_POSITIVES):
        target = np.array([slug in sectors for sectors in labels], dtype=int)
        regression = LogisticRegression(C=c, solver="liblinear", max_iter=1000, random_state=0)
        regression.fit(matrix, target)
        coefficients = regression.coef_[0]
        kept = np.flatnonzero(np.abs(coefficients) >= WEIGHT_FLOOR)  # the rest moves nothing
        weights[slug] = {str(names[i]): round(float(coefficients[i]), 3) for i in kept}
        bias[slug] = round(float(regression.intercept_[0]), 3)
    return {
        "version": MODEL_VERSION,
        "labels_sha256": labels_hash,
        "titles": len(labels),
        "features": {"char_ngrams": list(CHAR_NGRAMS)},
        "training": {"C": c, "min_positives": MIN_POSITIVES, "weight_floor": WEIGHT_FLOOR},
        "positives": {slug: counts[slug] for slug in bias},
        "bias": bias,
        "weights": weights,
    }


def predict(model: TitleModel, titles: Iterable[str]) -> list[set[str]]:
    """Sectors at the threshold, titles alone, exactly as the service decides them."""
    return [
        {m.slug for m in classify_with(model, title) if m.confidence >= MATCH_THRESHOLD}
        for title in titles
    ]


def cross_validated_predictions(
    rows: Sequence[Labelled], c: float = C, folds: int = FOLDS
) -> list[set[str]]:
    """Out-of-fold predicted sectors of every row (grouped folds, see the module doc)."""
    features = featurize(rows)
    group_ids = groups(rows)
    predictions: list[set[str]] = [set() for _ in rows]
    for train, test in GroupKFold(n_splits=folds).split(features, groups=group_ids):
        payload = fit([features[i] for i in train], [rows[i].sectors for i in train], c)
        model = model_from_json(payload)
        for i, guess in zip(test, predict(model, (rows[i].title for i in test)), strict=True):
            predictions[i] = guess
    return predictions


def rules_predictions(rows: Sequence[Labelled]) -> list[set[str]]:
    """What the rules alone (lexicon v2, frozen) give each title at the threshold."""
    return [
        {m.slug for m in classify_by_rules(row.title) if m.confidence >= MATCH_THRESHOLD}
        for row in rows
    ]


@dataclass(frozen=True)
class Score:
    right: int
    predicted: int
    expected: int
    titles: int

    @property
    def precision(self) -> float:
        return self.right / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.expected if self.expected else 1.0

    def describe(self) -> str:
        p_low, p_high = wilson(self.right, self.predicted)
        r_low, r_high = wilson(self.right, self.expected)
        return (
            f"titres={self.titles:4} précision {self.precision:.3f} "
            f"({self.right}/{self.predicted}, IC95 {p_low:.2f}-{p_high:.2f}) "
            f"rappel {self.recall:.3f} ({self.right}/{self.expected}, "
            f"IC95 {r_low:.2f}-{r_high:.2f})"
        )


def score(truths: Iterable[frozenset[str]], guesses: Iterable[set[str]]) -> Score:
    right = predicted = expected = titles = 0
    for truth, guess in zip(truths, guesses, strict=True):
        right += len(truth & guess)
        predicted += len(guess)
        expected += len(truth)
        titles += 1
    return Score(right, predicted, expected, titles)


def wilson(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson interval of a proportion."""
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    spread = math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    half = z * spread / (1 + z * z / trials)
    return max(0.0, centre - half), min(1.0, centre + half)
