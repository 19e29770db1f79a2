"""Where benchmarks put their figures: one JSON file per benchmark under ``.run/bench/``,
merged into ``.run/bench.json`` by ``bench/run_all.py`` (``make bench``)."""

from __future__ import annotations

import json
from pathlib import Path

from chantiers_common.settings import get_settings


def bench_dir() -> Path:
    path = get_settings().run_dir / "bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_figures(name: str, figures: dict[str, tuple[float, str, str]]) -> Path:
    """``figures``: figure name → (value, unit, target). Prints them too."""
    out = bench_dir() / f"{name}.json"
    data = {key: {"value": value, "unit": unit, "target": target}
            for key, (value, unit, target) in figures.items()}
    out.write_text(json.dumps(data, indent=2) + "\n")
    for key, (value, unit, target) in figures.items():
        print(f"{key} = {value:g} {unit} (target {target})")
    return out
