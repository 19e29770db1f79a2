"""Time the tender → sector classifier on the 8,000 real BOAMP titles.

    .venv/bin/python bench/bench_matching_classify.py

Prints the mean and the 99th percentile, in microseconds per title, of
``matching.classification.classify`` on every title of ``boamp/boamp_titles_8000.json``
(titles alone, as the matching service sees most tenders), after one warm-up pass (the
stem cache is filled, as in a long-running service), and writes them to
``.run/bench/matching_classify.json`` (``classify_mean_us``, ``classify_p99_us``). The
target: the service classifies ~1,000 tenders a second in bursts, so a title must cost
well under a millisecond.
"""

from __future__ import annotations

import json
import statistics
import time

from chantiers_common.settings import data_dir
from chantiers_testing.bench import write_figures
from matching.classification import MATCH_THRESHOLD, classify


def main() -> None:
    path = data_dir() / "boamp" / "boamp_titles_8000.json"
    titles = [row["objet"] for row in json.loads(path.read_text(encoding="utf-8")) if row["objet"]]
    for title in titles:  # warm-up
        classify(title)
    durations_us = []
    with_sector = 0
    for title in titles:
        start = time.perf_counter_ns()
        matches = classify(title)
        durations_us.append((time.perf_counter_ns() - start) / 1000)
        with_sector += any(m.confidence >= MATCH_THRESHOLD for m in matches)
    mean = statistics.fmean(durations_us)
    durations_us.sort()
    p99 = durations_us[int(len(durations_us) * 0.99) - 1]
    print(f"titres : {len(titles)} ; avec au moins un secteur : {with_sector}")
    print(
        f"classify : moyenne {mean:.1f} µs/titre ; "
        f"p99 {p99:.1f} µs/titre ; max {durations_us[-1]:.1f} µs/titre"
    )
    write_figures(
        "matching_classify",
        {
            "classify_mean_us": (round(mean, 1), "µs/titre", "< 1000 (bien en dessous)"),
            "classify_p99_us": (round(p99, 1), "µs/titre", "< 1000"),
        },
    )


if __name__ == "__main__":
    main()
