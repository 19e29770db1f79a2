"""Precision and coverage of the activity suggestions on hand-labelled real ACIs.

Labels: tests/data/aci_activity_labels.csv (how they were drawn and labelled:
tests/data/LABELING.md). Run with -s to see the figures.
"""

import collections
import csv
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from chantiers_common.settings import data_dir
from structures.reference import load_taxonomy
from structures.suggest import suggest_activities

LABELS = Path(__file__).parents[1] / "data" / "aci_activity_labels.csv"


@dataclass(frozen=True)
class Scores:
    acis: int
    labelled: int  # ACIs whose label is not empty
    pairs: int  # suggested (structure, sector) pairs
    correct_pairs: int
    with_correct: int  # ACIs with at least one correct suggestion
    with_any: int  # ACIs with at least one suggestion

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.pairs

    @property
    def coverage(self) -> float:
        """Share of the ACIs a person could label that get at least one right sector."""
        return self.with_correct / self.labelled

    def line(self, name: str) -> str:
        return (f"{name:8} ACIs {self.acis:3}  labelled {self.labelled:3}  pairs {self.pairs:3}  "
                f"precision {self.precision:.3f}  "
                f"≥1 correct {self.with_correct}/{self.labelled} = {self.coverage:.2f}  "
                f"any suggestion {self.with_any}/{self.acis} = {self.with_any / self.acis:.2f}")


@pytest.fixture(scope="module")
def registry():
    rows = json.loads((data_dir() / "siae/lemarche_01_siaes.json").read_text(encoding="utf-8"))
    return {row["pk"]: row["fields"] for row in rows}


@pytest.fixture(scope="module")
def labels():
    with LABELS.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def suggest(fields):
    return suggest_activities(fields["name"], fields["brand"], fields["description"],
                              fields["naf"])


def score(rows, registry) -> Scores:
    pairs = correct = with_correct = with_any = labelled = 0
    for row in rows:
        gold = set(filter(None, row["sectors"].split(";")))
        got = {s.sector for s in suggest(registry[int(row["pk"])])}
        pairs += len(got)
        correct += len(got & gold)
        labelled += bool(gold)
        with_correct += bool(got & gold)
        with_any += bool(got)
    return Scores(len(rows), labelled, pairs, correct, with_correct, with_any)


def test_labels_are_real_acis_of_the_file(labels, registry):
    assert len(labels) >= 150
    assert len({row["pk"] for row in labels}) == len(labels)
    taxonomy = load_taxonomy()
    for row in labels:
        fields = registry[int(row["pk"])]
        assert fields["kind"] == "ACI"
        assert (row["siret"], row["name"], row["naf"]) == (
            fields["siret"], fields["name"], fields["naf"]), row["pk"]
        assert row["split"] in {"tune", "holdout"}
        for slug in filter(None, row["sectors"].split(";")):
            assert slug in taxonomy, (row["pk"], slug)
    holdout = [row for row in labels if row["split"] == "holdout"]
    assert len(holdout) >= len(labels) / 3


def test_precision_and_coverage_on_the_labelled_sample(labels, registry):
    splits = {
        "all": labels,
        "tune": [row for row in labels if row["split"] == "tune"],
        "holdout": [row for row in labels if row["split"] == "holdout"],
    }
    scores = {name: score(rows, registry) for name, rows in splits.items()}
    print()
    for name, result in scores.items():
        print(result.line(name))
    assert scores["all"].precision >= 0.85
    # The held-out part was never looked at while writing the lexicon.
    assert scores["holdout"].precision >= 0.85
    assert scores["all"].coverage >= 0.75


def test_share_of_the_file_acis_that_get_a_suggestion(registry):
    acis = [fields for fields in registry.values() if fields["kind"] == "ACI"]
    suggestions = [suggest(fields) for fields in acis]
    with_any = sum(1 for found in suggestions if found)
    sectors = collections.Counter(s.sector for found in suggestions for s in found)
    print(f"\n{with_any} of {len(acis)} ACIs get at least one suggestion "
          f"({with_any / len(acis):.1%}), {sum(sectors.values())} suggestions:")
    for sector, count in sectors.most_common():
        print(f"  {count:4}  {sector}")
    assert len(acis) == 1815
    # Most ACI names say nothing of the trade (see LABELING.md): about a quarter do.
    assert 0.15 <= with_any / len(acis) <= 0.40
    assert sectors.most_common(1)[0][0] == "maraichage"
