"""Suggest the activities of an SIAE from its name, brand, description and NAF code.

The SIAE registry does not say what structures do; staff declare it. To spare them a
blank form, we suggest sectors from the words of the name ("Jardins de Cocagne" →
maraîchage, "Ressourcerie" → reuse of furniture and small objects) and from the NAF code
when it names a trade (01.13Z → maraîchage; 88.99B, the usual ACI code, says nothing).
A suggestion carries its confidence and the words that triggered it, and is stored as
*suggested* until staff confirm it.

The knowledge lives in two versioned data files (``data/activity_lexicon_fr.toml``,
``data/naf_sectors.toml``); this module only applies them. Precision and coverage are
measured on hand-labelled real ACIs (tests/data/aci_activity_labels.csv).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
import uuid
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from chantiers_common.events.common_types import ServiceType
from chantiers_common.events.structures import Activity, Area, AreaKind, Structure

from .reference import SectorTaxonomy, load_taxonomy

LEXICON_FILE = "activity_lexicon_fr.toml"
NAF_FILE = "naf_sectors.toml"

# Below this confidence nothing is suggested: a guess staff would mostly reject costs
# them more than a blank line.
SUGGESTION_THRESHOLD = 0.5
# A description tells history and context as well as trade ("améliorer leur
# environnement"): its words count for less than the name's.
DESCRIPTION_FACTOR = 0.8
# Where a suggested activity is offered until staff say otherwise: around the structure.
DEFAULT_SUGGESTED_RADIUS_KM = 30.0


@dataclass(frozen=True)
class Suggestion:
    sector: str  # taxonomy slug
    confidence: float  # 0..1
    triggers: tuple[str, ...]  # the words (or "NAF 01.13Z") that triggered it


@dataclass(frozen=True)
class LexiconRule:
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None
    sectors: dict[str, float]


@dataclass(frozen=True)
class Lexicon:
    version: str
    rules: tuple[LexiconRule, ...]
    # Any word of any rule: most names have none, and one search spares the ~100 others.
    any_rule: re.Pattern[str]
    naf_version: str
    naf: dict[str, dict[str, float]]  # "01.13Z" → {slug: weight}
    naf_silent: frozenset[str]
    naf_fallback: frozenset[str]

    def slugs(self) -> set[str]:
        """Every sector the lexicon can suggest (for the review test)."""
        return ({slug for rule in self.rules for slug in rule.sectors}
                | {slug for sectors in self.naf.values() for slug in sectors})


def _words_pattern(patterns: list[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\b")


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    folder = resources.files("structures") / "data"
    words = tomllib.loads((folder / LEXICON_FILE).read_text(encoding="utf-8"))
    naf = tomllib.loads((folder / NAF_FILE).read_text(encoding="utf-8"))
    rules = tuple(
        LexiconRule(
            pattern=_words_pattern(rule["match"]),
            unless=_words_pattern(rule["unless"]) if rule.get("unless") else None,
            sectors={slug: float(weight) for slug, weight in rule["sectors"].items()},
        )
        for rule in words["rule"]
    )
    return Lexicon(
        version=words["version"],
        rules=rules,
        any_rule=_words_pattern([p for rule in words["rule"] for p in rule["match"]]),
        naf_version=naf["version"],
        naf={code: dict(sectors) for code, sectors in naf["codes"].items()},
        naf_silent=frozenset(naf["silent"]),
        naf_fallback=frozenset(naf["fallback"]),
    )


# --- Text folding --------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char.isascii():
        return char.lower() if char.isalnum() else " "
    lowered = char.lower().replace("œ", "oe").replace("æ", "ae")
    base = "".join(c for c in unicodedata.normalize("NFKD", lowered)
                   if not unicodedata.combining(c))
    return "".join(c if c.isascii() and c.isalnum() else " " for c in base) or " "


def fold(text: str) -> tuple[str, list[int]]:
    """Lower case, no accents, one space between words; and for each folded character,
    the index of the original one, so that a match can be quoted as the person wrote it."""
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for folded in _fold_char(char):
            if folded == " " and (not out or out[-1] == " "):
                continue
            out.append(folded)
            origin.append(index)
    return "".join(out), origin


def normalise_naf(code: str | None) -> str | None:
    """"8130Z", "81.30z", " 81.30Z " → "81.30Z"; empty or malformed → None."""
    if not code:
        return None
    compact = code.strip().upper().replace(".", "")
    if not re.fullmatch(r"\d{4}[A-Z]", compact):
        return None
    return f"{compact[:2]}.{compact[2:]}"


# --- Suggestions ---------------------------------------------------------------------------

def suggest_activities(name: str, brand: str | None, description: str | None,
                       naf: str | None, *, taxonomy: SectorTaxonomy | None = None,
                       lexicon: Lexicon | None = None) -> list[Suggestion]:
    """Sectors the structure probably works in, best first, at or above the threshold."""
    lexicon = lexicon or load_lexicon()
    taxonomy = taxonomy or load_taxonomy()
    evidence: dict[str, list[tuple[float, str]]] = defaultdict(list)
    text_sectors: set[str] = set()

    for text, factor in ((" — ".join(t for t in (name, brand) if t), 1.0),
                         (description or "", DESCRIPTION_FACTOR)):
        if not text.strip():
            continue
        for sector, weight, trigger in _text_evidence(text, lexicon):
            evidence[sector].append((weight * factor, trigger))
            text_sectors.add(sector)

    code = normalise_naf(naf)
    if code and code not in lexicon.naf_silent:
        for sector, weight in lexicon.naf.get(code, {}).items():
            if code in lexicon.naf_fallback and _names_group_of(sector, text_sectors, taxonomy):
                continue
            evidence[sector].append((weight, f"NAF {code}"))

    scored = {sector: _combine(items) for sector, items in evidence.items()}
    kept = {sector: score for sector, score in scored.items() if score >= SUGGESTION_THRESHOLD}
    kept = _without_redundant_catch_alls(kept, taxonomy)
    suggestions = [
        Suggestion(sector=sector, confidence=round(kept[sector], 3),
                   triggers=tuple(dict.fromkeys(trigger for _, trigger in evidence[sector])))
        for sector in kept
    ]
    return sorted(suggestions, key=lambda s: (-s.confidence, s.sector))


def _text_evidence(text: str, lexicon: Lexicon) -> list[tuple[str, float, str]]:
    folded, origin = fold(text)
    found: list[tuple[str, float, str]] = []
    if not lexicon.any_rule.search(folded):
        return found
    for rule in lexicon.rules:
        match = rule.pattern.search(folded)
        if match is None or (rule.unless is not None and rule.unless.search(folded)):
            continue
        trigger = text[origin[match.start()]:origin[match.end() - 1] + 1]
        for sector, weight in rule.sectors.items():
            found.append((sector, weight, trigger))
    return found


def _combine(items: list[tuple[float, str]]) -> float:
    # Independent pieces of evidence: the sector is wrong only if every one of them is.
    # One word counted once per rule and text, so a repeated word does not pile up.
    remaining = 1.0
    for weight, _ in items:
        remaining *= 1.0 - weight
    return 1.0 - remaining


def _names_group_of(sector: str, others: set[str], taxonomy: SectorTaxonomy) -> bool:
    group = taxonomy.sectors[sector].group
    return any(other != sector and taxonomy.sectors[other].group == group for other in others)


def _without_redundant_catch_alls(kept: dict[str, float],
                                  taxonomy: SectorTaxonomy) -> dict[str, float]:
    # "Autre (Recyclage)" means "none of the specific recycling sectors": drop it when one
    # of them is suggested too.
    sectors = taxonomy.sectors
    specific_groups = {sectors[s].group for s in kept if not sectors[s].is_catch_all}
    return {s: score for s, score in kept.items()
            if not (sectors[s].is_catch_all and sectors[s].group in specific_groups)}


# --- As activities -------------------------------------------------------------------------

def activity_id(siret: str, sector: str) -> str:
    """Stable id of a structure's activity in a sector: re-importing or re-suggesting the
    same pair gives the same id (idempotent)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"chantiers-agiles:activity:{siret}:{sector}"))


def suggested_activity(structure: Structure, suggestion: Suggestion,
                       area: Area | None = None) -> Activity:
    """The suggestion as an activity awaiting confirmation by staff."""
    return Activity(
        id=activity_id(structure.siret, suggestion.sector),
        structure_siret=structure.siret,
        sector=suggestion.sector,
        service_types=[ServiceType.SERVICE],
        area=area or Area(kind=AreaKind.RADIUS, radius_km=DEFAULT_SUGGESTED_RADIUS_KM),
        status="suggested",
        confidence=suggestion.confidence,
        structure_location=structure.location,
        structure_department=structure.department,
        structure_kind=structure.kind,
    )
