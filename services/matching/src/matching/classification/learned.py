"""Terms learned from DECP titles (``data/learned_terms.csv``), used as weak evidence.

The table is built offline by ``scripts/build_learned_terms.py`` from the buyers' CPV
codes, leaving out every hand-labelled contract. A learned term is a statistical hint,
not a reviewed phrase: its weight is at most ``LEARNED_WEIGHT`` (under the match
threshold), so it only confirms a weak lexicon phrase or another learned term. It only
speaks for words that the lexicon left unread: "couverture" read by the lexicon and
learned from DECP is one clue, not two.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from .tables import read_table

# Weight of a learned term whose precision is 1; a term of precision p weighs p times this.
LEARNED_WEIGHT = 0.35


@cache
def _terms() -> dict[tuple[str, ...], tuple[tuple[str, float, str], ...]]:
    by_term: dict[tuple[str, ...], list[tuple[str, float, str]]] = defaultdict(list)
    for row in read_table("learned_terms.csv").rows:
        weight = round(LEARNED_WEIGHT * float(row["precision"]), 4)
        text = f"terme appris des DECP « {row['exemple']} »"
        by_term[tuple(row["terme"].split())].append((row["secteur"], weight, text))
    return {term: tuple(items) for term, items in by_term.items()}


def learned_evidence(
    stems: tuple[str, ...], read: frozenset[int] = frozenset()
) -> list[tuple[str, float, str, int]]:
    """(sector, weight, evidence, position) for the learned unigrams and bigrams of a title.

    ``read`` holds the positions of the words the lexicon already used.
    """
    terms = _terms()
    found: list[tuple[str, float, str, int]] = []
    for index, stem in enumerate(stems):
        if index not in read:
            found.extend((*item, index) for item in terms.get((stem,), ()))
        if index + 1 < len(stems) and not {index, index + 1} <= read:
            found.extend((*item, index) for item in terms.get((stem, stems[index + 1]), ()))
    return found
