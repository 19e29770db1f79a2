"""Time the tender → sector classifier on the 8,000 real BOAMP titles.

    .venv/bin/python bench/bench_matching_classify.py

Prints the mean and the 99th percentile, in microseconds per title, of
``matching.classification.classify`` (rules + learned title model) on every title of
``boamp/boamp_titles_8000.json`` (titles alone, as the matching service sees most
tenders), and of the rules alone (``classify_by_rules``) for comparison, and the time to
load the learned model once. A first pass fills the per-word stem cache, as in a
long-running service; the per-title token cache is emptied before each timed pass, so
that no title is read from it (in service, titles are new). Writes
``.run/bench/matching_classify.json`` (``classify_mean_us``, ``classify_p99_us``,
``rules_mean_us``, ``model_load_ms``). The target: the service classifies ~1,000
tenders a second in bursts, so a title must cost well under a millisecond.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

from chantiers_common.settings import data_dir
from chantiers_testing.bench import write_figures
from matching.classification import MATCH_THRESHOLD, classify
from matching.classification.classifier import classify_by_rules
from matching.classification.normalize import tokens
from matching.classification.title_model import shipped_model


def timed(function: Callable[[str], list], titles: list[str]) -> list[float]:
    tokens.cache_clear()
    durations_us = []
    for title in titles:
        start = time.perf_counter_ns()
        function(title)
        durations_us.append((time.perf_counter_ns() - start) / 1000)
    durations_us.sort()
    return durations_us


def main() -> None:
    path = data_dir() / "boamp" / "boamp_titles_8000.json"
    titles = [row["objet"] for row in json.loads(path.read_text(encoding="utf-8")) if row["objet"]]
    start = time.perf_counter()
    model = shipped_model()
    load_ms = (time.perf_counter() - start) * 1000
    with_sector = sum(
        any(m.confidence >= MATCH_THRESHOLD for m in classify(title))
        for title in titles  # warm-up: fills the stem cache
    )
    combined = timed(classify, titles)
    rules = timed(classify_by_rules, titles)
    mean = statistics.fmean(combined)
    p99 = combined[int(len(combined) * 0.99) - 1]
    print(f"titres : {len(titles)} ; avec au moins un secteur : {with_sector}")
    print(
        f"modèle appris : {len(model.sectors)} secteurs, {model.titles} titres ; "
        f"chargé en {load_ms:.0f} ms"
    )
    print(
        f"classify : moyenne {mean:.1f} µs/titre ; p99 {p99:.1f} µs/titre ; "
        f"max {combined[-1]:.1f} µs/titre"
    )
    print(f"règles seules : moyenne {statistics.fmean(rules):.1f} µs/titre")
    write_figures(
        "matching_classify",
        {
            "classify_mean_us": (round(mean, 1), "µs/titre", "< 1000 (bien en dessous)"),
            "classify_p99_us": (round(p99, 1), "µs/titre", "< 1000"),
            "rules_mean_us": (round(statistics.fmean(rules), 1), "µs/titre", "pour comparer"),
            "model_load_ms": (round(load_ms, 1), "ms", "une fois par processus"),
        },
    )


if __name__ == "__main__":
    main()
