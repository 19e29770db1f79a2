"""Learn title terms → sectors from the DECP contracts, whose buyers chose a CPV code.

    .venv/bin/python services/matching/scripts/build_learned_terms.py

Each of the ~1,600 real 2019 contracts pairs a title with a CPV code; the CPV table of
the classifier (``cpv_sectors.csv``) turns the code into sectors (or into none: then the
contract is a negative example). For every term of the titles (a stem, or two adjacent
stems) we count the contracts that contain it and, among them, those whose CPV gives
each sector. Counts are of distinct buyers, not contracts: a buyer that publishes the
same title for twelve lots ("Achat de places en centres d'hébergement concernant les
séjours de vacances juillet août") would otherwise teach that "juillet" means holidays.
A term is kept for a sector when enough buyers use it and it is precise enough.
At run time a learned term is weak evidence (``learned.py``): it never reaches the match
threshold alone, it confirms a weak phrase of the lexicon.

Honest evaluation: every contract whose id, title or normalised title is in a
hand-labelled DECP file (``tests/data/labels_decp_titles.csv``, every split, and the
hold-outs ``tests/data/holdout3_decp_titles.csv`` and ``holdout6_decp_titles.csv``) is
left out, so the labelled titles measure the classifier on contracts it never learned
from. Since round 7 labelled every distinct DECP title, nothing is left to learn from:
the table is empty (version 3), and the hand labels (``build_title_model.py``) replace
it. The output records a hash of the left-out ids; a unit test checks that it matches
the current labels.

Output: ``src/matching/classification/data/learned_terms.csv`` (small, reviewable).
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter, defaultdict
from pathlib import Path

from decp_records import DECP_FILES, iter_decp

from chantiers_common.settings import data_dir
from matching.classification.normalize import tokens, words
from matching.classification.tables import cpv_rows

SERVICE = Path(__file__).resolve().parents[1]
LABEL_FILES = (
    SERVICE / "tests" / "data" / "labels_decp_titles.csv",
    SERVICE / "tests" / "data" / "holdout3_decp_titles.csv",
    SERVICE / "tests" / "data" / "holdout6_decp_titles.csv",
)
OUT = SERVICE / "src" / "matching" / "classification" / "data" / "learned_terms.csv"
VERSION = 3  # 3: every contract is hand-labelled now, nothing is learnt
MIN_BUYERS = 3  # a term used by fewer buyers says nothing reliable
MIN_PRECISION = 0.7  # share of the term's buyers whose CPV gives the sector (smoothed)
MIN_CPV_WEIGHT = 0.5  # CPV rows below this weight are too vague to serve as labels
# Stems shorter than this are abbreviations of places or names (« st » for Saint), not
# subjects: « st » had learned « works » from the buyers that name their sites.
MIN_STEM_LENGTH = 3


def excluded_ids_digest(ids: set[str]) -> str:
    """The hash the unit test recomputes from the labels file."""
    return hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()


def cpv_sectors(code: str) -> set[str]:
    by_prefix = {row.prefix: row for row in cpv_rows()}
    code = code.ljust(8, "0")
    for length in range(8, 1, -1):
        row = by_prefix.get(code[:length])
        if row is not None:
            return set(row.sectors.add) if row.weight >= MIN_CPV_WEIGHT else set()
    return set()


def terms(title: str) -> dict[tuple[str, ...], str]:
    """Unigrams and bigrams of stems, each with the words it came from (for reviewers)."""
    stems, surface = tokens(title), words(title)
    found = {(stem,): word for stem, word in zip(stems, surface, strict=True)}
    for i in range(len(stems) - 1):
        found[(stems[i], stems[i + 1])] = f"{surface[i]} {surface[i + 1]}"
    return found


def main() -> None:
    labelled: list[dict[str, str]] = []
    for path in LABEL_FILES:
        with path.open(encoding="utf-8", newline="") as handle:
            labelled += list(csv.DictReader(handle))
    held_out_ids = {row["id"] for row in labelled}
    held_out_titles = {row["title"].casefold() for row in labelled}
    held_out_stems = {tokens(row["title"]) for row in labelled}

    contracts, skipped = [], 0
    for contract in iter_decp(data_dir()):
        if (
            contract.decp_id in held_out_ids
            or contract.title.casefold() in held_out_titles
            or tokens(contract.title) in held_out_stems
        ):
            skipped += 1
            continue
        contracts.append(contract)

    buyers_of: dict[tuple[str, ...], set[str]] = defaultdict(set)
    buyers_with: dict[tuple[str, ...], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    surface: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for contract in contracts:
        sectors = cpv_sectors(contract.cpv)
        for term, text in terms(contract.title).items():
            buyers_of[term].add(contract.buyer)
            surface[term][text] += 1
            for sector in sectors:
                buyers_with[term][sector].add(contract.buyer)

    rows = []
    for term, buyers in buyers_of.items():
        if len(buyers) < MIN_BUYERS or min(len(stem) for stem in term) < MIN_STEM_LENGTH:
            continue
        for sector, sector_buyers in buyers_with[term].items():
            precision = len(sector_buyers) / (len(buyers) + 1)  # +1: one imaginary buyer against
            if precision >= MIN_PRECISION:
                rows.append(
                    (
                        " ".join(term),
                        sector,
                        round(precision, 3),
                        len(buyers),
                        surface[term].most_common(1)[0][0],
                    )
                )
    rows.sort(key=lambda r: (r[1], -r[2], r[0]))

    with OUT.open("w", encoding="utf-8", newline="") as handle:
        handle.write(f"# version: {VERSION}\n")
        handle.write(
            "# Termes de titres appris des DECP 2019 (data/decp/: "
            + ", ".join(DECP_FILES)
            + ") par scripts/build_learned_terms.py : secteurs donnés par le code CPV de"
            " l'acheteur via cpv_sectors.csv.\n"
        )
        handle.write(
            f"# contrats appris : {len(contracts)} ; contrats écartés car étiquetés à la main :"
            f" {skipped} ; empreinte des identifiants écartés (sha256) :"
            f" {excluded_ids_digest(held_out_ids)}\n"
        )
        handle.write(
            f"# terme = radicaux normalisés (un ou deux) ; precision = part lissée des"
            f" acheteurs du terme dont le CPV donne le secteur (>= {MIN_PRECISION}) ;"
            f" acheteurs = nombre d'acheteurs distincts du terme (>= {MIN_BUYERS}) ;"
            " exemple = mots d'origine les plus fréquents.\n"
        )
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["terme", "secteur", "precision", "acheteurs", "exemple"])
        writer.writerows(rows)
    print(f"{len(rows)} termes écrits dans {OUT} ({len(contracts)} contrats, {skipped} écartés)")


if __name__ == "__main__":
    main()
