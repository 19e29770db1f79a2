"""The learned title model (``data/title_model.json``), loaded once, applied in pure Python.

Built by ``scripts/build_title_model.py`` from the hand-labelled titles (never from the
buyers' CPV codes): one logistic regression per sector with enough labels, on the
features of ``features.py``. The file records its version, the feature settings, the
number of titles it learnt from and the sha256 of the label files, so that a test can
tell when the labels changed and the model must be rebuilt.

At run time a title costs one pass over its ~20-40 features: each feature points to the
(sector, weight) pairs it moves, so the sectors a title says nothing about cost nothing.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources

MODEL_FILE = "title_model.json"


@dataclass(frozen=True)
class TitleModel:
    version: int
    labels_sha256: str
    titles: int  # how many labelled titles it learnt from
    char_ngrams: tuple[int, ...]
    bias: dict[str, float]  # sector → intercept
    by_feature: dict[str, tuple[tuple[str, float], ...]]  # feature → (sector, weight)
    positives: dict[str, int]  # sector → labelled titles that have it

    @property
    def sectors(self) -> frozenset[str]:
        return frozenset(self.bias)

    def scores(self, features: dict[str, float]) -> dict[str, float]:
        """Sector → log-odds (before the sigmoid), for every sector of the model."""
        totals = dict(self.bias)
        by_feature = self.by_feature
        for feature, value in features.items():
            for slug, weight in by_feature.get(feature, ()):
                totals[slug] += weight * value
        return totals

    def probabilities(self, features: dict[str, float]) -> dict[str, float]:
        return {slug: _sigmoid(z) for slug, z in self.scores(features).items()}

    def reasons(self, slug: str, features: dict[str, float], count: int = 3) -> list[str]:
        """The title's words that push most towards ``slug`` (for the French evidence)."""
        pushes = []
        for feature, value in features.items():
            if not feature.startswith(("w=", "b=")):
                continue
            for sector, weight in self.by_feature.get(feature, ()):
                if sector == slug and weight * value > 0:
                    pushes.append((weight * value, feature[2:]))
        return [stem for _, stem in sorted(pushes, reverse=True)[:count]]


def _sigmoid(z: float) -> float:
    if z < -60:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


def model_from_json(payload: dict) -> TitleModel:
    by_feature: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for slug, weights in payload["weights"].items():
        for feature, weight in weights.items():
            by_feature[feature].append((slug, weight))
    return TitleModel(
        version=payload["version"],
        labels_sha256=payload["labels_sha256"],
        titles=payload["titles"],
        char_ngrams=tuple(payload["features"]["char_ngrams"]),
        bias=payload["bias"],
        by_feature={f: tuple(items) for f, items in by_feature.items()},
        positives=payload["positives"],
    )


@cache
def shipped_model() -> TitleModel:
    text = resources.files(__package__).joinpath("data", MODEL_FILE).read_text(encoding="utf-8")
    return model_from_json(json.loads(text))
