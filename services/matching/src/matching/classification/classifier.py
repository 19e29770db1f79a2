"""Tender → sectors by rules: every signal becomes evidence, the rules turn it into confidences.

This is the reviewed, hand-written part of the classifier (lexicon v2, frozen while the
learned model of ``title_model.py`` was measured). ``combined.classify`` uses its output
as the model's features and for the sectors the model does not cover.

Signals, each with the weight its table gives it:
- the title's phrases (``lexicon.csv``), the strongest signal: buyers mis-code CPVs, but
  the title says what is bought;
- the description's phrases, weighted down (descriptions also describe the context);
- the CPV codes (``cpv_sectors.csv``, longest prefix wins) and the BOAMP descriptors
  (``boamp_descriptors.csv``; unknown labels go through the lexicon);
- terms learned from DECP titles (``learned.py``), weak on their own.

Evidence for one sector combines as independent clues, 1 - Π(1 - weight), under the
rules of ``rules.py`` (study damping, generic works words, supply, lots).
Everything is compiled at import: a title costs a few dozen dict look-ups.
"""

from __future__ import annotations

from collections.abc import Sequence

from .evidence import Evidence, Reading, SectorMatch
from .learned import learned_evidence
from .lexicon import PhraseIndex
from .normalize import tokens, words
from .rules import MATCH_THRESHOLD, combine
from .tables import cpv_rows, descriptor_rows, lexicon_rows

__all__ = ["MATCH_THRESHOLD", "SectorMatch", "classify_by_rules", "title_roles"]

# Share of its weight that a phrase keeps when found in the description, not the title.
DESCRIPTION_FACTOR = 0.6
# Share of its weight that a phrase keeps when found in an unknown BOAMP descriptor label.
DESCRIPTOR_TEXT_FACTOR = 0.8
_LOT = tokens("lot")[0]

_INDEX = PhraseIndex(lexicon_rows())
_CPV_BY_PREFIX = {row.prefix: row for row in cpv_rows()}
_DESCRIPTOR_BY_CODE = {row.code: row for row in descriptor_rows()}
_DESCRIPTOR_BY_LABEL = {" ".join(words(row.label)): row for row in descriptor_rows()}


def classify_by_rules(
    title: str,
    description: str | None = None,
    cpv_codes: Sequence[str] = (),
    descriptors: Sequence[str] = (),
) -> list[SectorMatch]:
    """Sectors of a tender, best first, each with its confidence and evidence.

    Every sector with some evidence is returned; the matching service keeps those at or
    above ``MATCH_THRESHOLD``. CPV codes may carry their check digit ("77310000-6").
    Descriptors are BOAMP codes ("116") or labels ("Espaces verts").
    """
    reading = Reading()
    stems = tokens(title)
    read = _read_text(reading, stems, factor=1.0, where="", in_title=True)
    reading.lot_start = _after_first_lot(stems)
    if description:
        _read_text(reading, tokens(description), DESCRIPTION_FACTOR, " (description)", False)
    for code in cpv_codes:
        _read_cpv(reading, code)
    for descriptor in descriptors:
        _read_descriptor(reading, descriptor)
    for slug, weight, text, position in learned_evidence(stems, read):
        reading.evidence.append(Evidence(slug, weight, text, position=position))
    return combine(reading)


def title_roles(stems: tuple[str, ...]) -> frozenset[str]:
    """The roles of the lexicon phrases found in a title (« etude », « fourniture »…)."""
    return frozenset(hit.phrase.row.role or "metier" for hit in _INDEX.find(stems))


def _after_first_lot(stems: tuple[str, ...]) -> int | None:
    """Position of the first word after the first « lot » that words follow.

    "Opération X - Lot 4 : Menuiseries" and "Lot 2 Finitions et Lot 5 Menuiserie - Travaux
    de X" both name the contract's objects after the first « lot ».
    """
    for index, stem in enumerate(stems[:-1]):
        if stem == _LOT:
            return index + 1
    return None


def _read_text(
    reading: Reading, stems: tuple[str, ...], factor: float, where: str, in_title: bool
) -> frozenset[int]:
    """Add the evidence of the lexicon's phrases; return the positions of the words read."""
    hits = _INDEX.find(stems)
    for hit in hits:
        row = hit.phrase.row
        cue = f"« {row.motif} »"
        # Cues of the description often describe the project, not the contract: only the
        # title's cues decide what kind of contract it is.
        if row.role in ("etude", "hors"):
            if in_title:
                reading.title_study.append(cue)
                reading.outside |= row.role == "hors"
            continue
        if row.role == "fourniture":
            if in_title:
                reading.supply.append(cue)
            continue
        if row.role == "pose":
            if in_title:
                reading.fitting.append(cue)
            continue
        reading.removed.update(row.sectors.remove)
        if row.role == "veto":
            continue
        for slug in row.sectors.add:
            reading.evidence.append(
                Evidence(
                    sector=slug,
                    weight=row.weight * factor,
                    text=f"mot-clé {cue}{where}",
                    generic=row.role == "generique",
                    building=row.role == "ouvrage",
                    position=hit.start if in_title else None,
                )
            )
    return frozenset(position for hit in hits for position in hit.positions)


def _read_cpv(reading: Reading, raw_code: str) -> None:
    digits = "".join(char for char in raw_code.split("-")[0] if char.isdigit())[:8]
    if len(digits) < 2:
        return
    code = digits.ljust(8, "0")
    for length in range(8, 1, -1):
        row = _CPV_BY_PREFIX.get(code[:length])
        if row is None:
            continue
        if row.sectors.study:
            reading.other_study.append(f"CPV {code}")
        reading.removed.update(row.sectors.remove)
        for slug in row.sectors.add:
            reading.evidence.append(Evidence(slug, row.weight, f"CPV {code}"))
        return


def _read_descriptor(reading: Reading, descriptor: str) -> None:
    descriptor = descriptor.strip()
    row = _DESCRIPTOR_BY_CODE.get(descriptor) or _DESCRIPTOR_BY_LABEL.get(
        " ".join(words(descriptor))
    )
    if row is None:
        if not descriptor.isdigit():  # an unknown label still says something
            _read_text(
                reading,
                tokens(descriptor),
                DESCRIPTOR_TEXT_FACTOR,
                f" (descripteur BOAMP « {descriptor} »)",
                False,
            )
        return
    text = f"descripteur BOAMP « {row.label} »"
    if row.sectors.study:
        reading.other_study.append(text)
    reading.removed.update(row.sectors.remove)
    for slug in row.sectors.add:
        reading.evidence.append(Evidence(slug, row.weight, text))
