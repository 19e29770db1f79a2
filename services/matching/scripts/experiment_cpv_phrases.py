"""Experiment (not shipped): a lexicon built automatically from the CPV labels.

    .venv/bin/python services/matching/scripts/experiment_cpv_phrases.py

For every CPV 2008 code whose row in ``cpv_sectors.csv`` gives sectors with a weight of
at least 0.6 (no study row), the French label (``reference/cpv_2008_fr.csv``) is cut at
commas, « et » and « ou », its generic head is dropped (« Services de », « Travaux de »,
« Fourniture de »…), and each part of one to three stems becomes a phrase of the
sector, unless the lexicon already has it, it is made of generic words only, or two
codes of different sectors give it. The ~2,500 phrases are added to the lexicon at
weight ``PHRASE_WEIGHT`` and the labelled splits (never the round-3 hold-out) are
measured with and without them.

Result kept in LABELING.md: precision collapses (BOAMP ~0.98 → ~0.54, DECP ~0.96 →
~0.79) for a recall that does not rise, because a phrase such as « études
géotechniques » (CPV 71332000, mapped to works) takes the words that the study cue needed,
and CPV labels name products (« crèmes », « réunions ») whose sector depends on context.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from chantiers_common.settings import data_dir
from matching.classification import MATCH_THRESHOLD, classifier
from matching.classification.lexicon import PhraseIndex
from matching.classification.normalize import tokens
from matching.classification.tables import LexiconRow, SectorList, cpv_rows, lexicon_rows

PHRASE_WEIGHT = 0.55
MIN_ROW_WEIGHT = 0.6
LABELS = Path(__file__).resolve().parents[1] / "tests" / "data"
HEAD = re.compile(
    r"^(services?|travaux|fournitures?|produits?|matériels?|équipements?|articles?"
    r"|prestations?|location|installation|réparation et entretien|entretien|réparation)"
    r"\s+(de la |de l'|d'|de |des |du )?",
    re.IGNORECASE,
)
GENERIC = {
    stem
    for word in [
        "service",
        "travaux",
        "produit",
        "matériel",
        "équipement",
        "système",
        "installation",
        "entretien",
        "réparation",
        "maintenance",
        "fourniture",
        "location",
        "divers",
        "article",
        "appareil",
        "machine",
        "construction",
        "bâtiment",
        "ouvrage",
        "élément",
        "accessoire",
        "pièce",
        "partie",
        "général",
        "spécial",
        "autre",
        "connexe",
        "associé",
    ]
    for stem in tokens(word)
}


def cpv_phrases() -> list[LexiconRow]:
    by_prefix = {row.prefix: row for row in cpv_rows()}
    known = {tokens(row.motif) for row in lexicon_rows()}
    found: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    motif: dict[tuple[str, ...], str] = {}
    path = data_dir() / "reference" / "cpv_2008_fr.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            code = record["CODE"].split("-")[0].ljust(8, "0")
            row = next(
                (by_prefix[code[:n]] for n in range(8, 1, -1) if code[:n] in by_prefix), None
            )
            if row is None or row.sectors.study or not row.sectors.add:
                continue
            if row.weight < MIN_ROW_WEIGHT:
                continue
            for part in re.split(r",| et | ou ", HEAD.sub("", record["FR"].strip())):
                stems = tokens(part)
                if not stems or len(stems) > 3 or stems in known or set(stems) <= GENERIC:
                    continue
                found.setdefault(stems, set()).add(row.sectors.add)
                motif.setdefault(stems, part.strip().lower())
    return [
        LexiconRow(motif[stems], SectorList(next(iter(s)), (), False), PHRASE_WEIGHT, "metier", "")
        for stems, s in found.items()
        if len(s) == 1
    ]


def measure(title_rows: list[dict[str, str]]) -> tuple[int, int, int]:
    right = predicted = expected = 0
    for row in title_rows:
        truth = {s for s in row["sectors"].split(";") if s}
        matches = classifier.classify_by_rules(row["title"])
        guess = {m.slug for m in matches if m.confidence >= MATCH_THRESHOLD}
        right, predicted = right + len(truth & guess), predicted + len(guess)
        expected += len(truth)
    return right, predicted, expected


def main() -> None:
    phrases = cpv_phrases()
    print(f"{len(phrases)} expressions tirées des libellés CPV")
    shipped = classifier._INDEX
    for name, index in (
        ("lexique", shipped),
        ("lexique + libellés CPV", PhraseIndex([*lexicon_rows(), *phrases])),
    ):
        classifier._INDEX = index
        for source in ("boamp", "decp"):
            with (LABELS / f"labels_{source}_titles.csv").open(encoding="utf-8") as handle:
                right, predicted, expected = measure(list(csv.DictReader(handle)))
            print(
                f"{name:24} {source:5} précision {right / predicted:.3f} ({right}/{predicted})"
                f" rappel {right / expected:.3f} ({right}/{expected})"
            )
    classifier._INDEX = shipped


if __name__ == "__main__":
    main()
