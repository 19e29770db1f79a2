"""Find the lexicon's phrases in a title: longest first, each word used once.

"Nettoyage des vêtements de travail" must read as laundry, not as cleaning of premises
plus work clothes; "évacuation des déchets issus du chantier" as construction waste, not
as household waste. So every phrase that matches is a candidate, and candidates are kept
longest first, then leftmost, as long as they do not overlap a kept one.

A phrase may skip one word of the title ("nettoyage quotidien des locaux", "fournitures
spécifiques d'archivage"), because buyers insert qualifiers; an exact match is preferred
to a match with a gap, and the skipped word stays free for other phrases.

Phrases are tuples of stems (see ``normalize``); the index maps a first stem to the
phrases that start with it, so a title costs a few dict look-ups per word.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .normalize import tokens
from .tables import LexiconRow

# How many title words a phrase may skip.
MAX_GAP = 1


@dataclass(frozen=True)
class Phrase:
    stems: tuple[str, ...]
    row: LexiconRow


@dataclass(frozen=True)
class Hit:
    phrase: Phrase
    start: int  # index of the first stem in the title's stems
    end: int  # index after the last stem
    gaps: int  # title words skipped inside the phrase
    positions: tuple[int, ...]  # the title words the phrase uses


class PhraseIndex:
    def __init__(self, rows: Iterable[LexiconRow]) -> None:
        by_first: dict[str, list[Phrase]] = defaultdict(list)
        seen: dict[tuple[str, ...], str] = {}
        for row in rows:
            stems = tokens(row.motif)
            if not stems:
                raise ValueError(f"motif vide après normalisation : « {row.motif} »")
            if stems in seen:
                raise ValueError(f"motifs en double : « {seen[stems]} » et « {row.motif} »")
            seen[stems] = row.motif
            by_first[stems[0]].append(Phrase(stems=stems, row=row))
        self._by_first = {first: tuple(phrases) for first, phrases in by_first.items()}
        self.phrases = tuple(p for group in self._by_first.values() for p in group)

    def find(self, stems: Sequence[str]) -> list[Hit]:
        candidates = [
            hit
            for start, stem in enumerate(stems)
            for phrase in self._by_first.get(stem, ())
            if (hit := _match(phrase, stems, start)) is not None
        ]
        candidates.sort(key=lambda h: (-len(h.phrase.stems), h.gaps, h.start))
        taken = [False] * len(stems)
        kept = []
        for hit in candidates:
            if not any(taken[p] for p in hit.positions):
                for p in hit.positions:
                    taken[p] = True
                kept.append(hit)
        kept.sort(key=lambda h: h.start)
        return kept


def _match(phrase: Phrase, stems: Sequence[str], start: int) -> Hit | None:
    """The phrase at ``start`` (its first stem already matches), skipping at most MAX_GAP."""
    position, gaps, used = start + 1, 0, [start]
    for wanted in phrase.stems[1:]:
        while position < len(stems) and stems[position] != wanted:
            if gaps == MAX_GAP:
                return None
            gaps += 1
            position += 1
        if position == len(stems):
            return None
        used.append(position)
        position += 1
    return Hit(phrase=phrase, start=start, end=position, gaps=gaps, positions=tuple(used))
