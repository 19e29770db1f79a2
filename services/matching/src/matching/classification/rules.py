"""How evidence becomes a confidence per sector: the rules of LABELING.md, in order.

1. The lot decides: in "Réhabilitation d'un restaurant : Lot 4 : Menuiseries", the trades
   of the words after « lot » win over those of the operation's name.
2. One clue per (sector, word): a word repeated in a title counts once.
3. Supply is not the trade: "Fourniture de peinture" is building materials, not painting;
   "fourniture de matériel électrique" is no sector at all. Unless the title also says the
   goods are fitted (« pose », « installation », « travaux »).
4. Generic words (« travaux », « maintenance ») support a trade of their group named
   weakly, confirm a building or equipment named (« école », « appareils »), and give
   their own sector (works, equipment upkeep) only when no trade named in the title
   reaches the threshold.
5. A study or a service outside the taxonomy damps every sector of the title, except
   a sector whose trade is itself intellectual (communication, translation, energy
   diagnostics) named by a strong phrase: a "plan de communication" is communication
   work, an "audit énergétique" is the energy-diagnostics trade.
6. An « Autre (…) » sector gives way to a named sector of its group.
7. The title first: when the title names a trade, a sector that only the CPV codes, the
   descriptors or the description give stays under the threshold. Buyers mis-code CPVs,
   and descriptors and descriptions cover the whole notice, not the contract's object.
"""

from __future__ import annotations

from collections import defaultdict

from .evidence import Evidence, Reading, SectorMatch, noisy_or
from .tables import sectors

# Confidence at or above which the matching service uses a sector (measured on the
# labelled titles, see tests/unit/test_matching_classification_quality.py).
MATCH_THRESHOLD = 0.5
# Share of its confidence that a sector keeps when the contract is a study of it.
STUDY_FACTOR = 0.2
# Share of the generic word's weight lent to a trade of the same group named in the title.
GENERIC_SUPPORT = 0.5

# Rule 5: these trades are intellectual; a study cue does not make them something else
# when a phrase at least this strong names them.
STUDY_PROOF = frozenset(
    {
        "communication-agence-de-com-39",
        "traductions",
        "diagnostics-solutions-energetiques-159",
    }
)
STUDY_PROOF_WEIGHT = 0.8
# Rule 7: share of its confidence kept by a sector that only signals other than the title
# give, when the title names a trade (0.8 × 0.6 < MATCH_THRESHOLD).
SECONDARY_FACTOR = 0.6

MATERIALS = "materiaux-de-construction-83"
# Rule 3: a supply of these trades' goods is a supply of building materials...
SUPPLIED_AS_MATERIALS = frozenset(
    {
        "peinture-revetement-des-murs",
        "carrelage-revetement-des-sols",
        "travaux-de-chantiers-74",
        "menuiserie",
        "ouvrages-metalliques",
        "plomberie",
    }
)
# ...and a supply of electrical equipment is no sector (LABELING.md, « Hors taxonomie »).
SUPPLIED_AS_NOTHING = frozenset({"electricite"})

_SECTORS = sectors()


def combine(reading: Reading) -> list[SectorMatch]:
    evidence = [e for e in reading.evidence if e.sector not in reading.removed]
    evidence = _lot_decides(evidence, reading.lot_start)
    evidence = _one_clue_per_word(evidence)
    evidence = _supply_is_not_the_trade(evidence, reading)
    title_names_trade = any(
        e.from_title and e.is_trade and e.weight >= MATCH_THRESHOLD for e in evidence
    )
    evidence = _generic_words(evidence)
    study_cues = reading.title_study or (reading.other_study if not title_names_trade else [])

    by_sector: dict[str, list[Evidence]] = defaultdict(list)
    for item in evidence:
        by_sector[item.sector].append(item)
    matches = []
    for slug, items in by_sector.items():
        texts = list(dict.fromkeys(item.text for item in items))
        confidence = noisy_or(item.weight for item in items)
        if title_names_trade and not any(item.from_title for item in items):
            confidence *= SECONDARY_FACTOR
            texts.append("atténué : le titre nomme un autre métier")
        study_proof = slug in STUDY_PROOF and max(i.weight for i in items) >= STUDY_PROOF_WEIGHT
        if study_cues and not study_proof:
            # Damp the combined confidence: ten damped clues of a study must not add up
            # to a trade.
            confidence *= STUDY_FACTOR
            what = "une étude ou un service hors taxonomie" if reading.outside else "une étude"
            texts.append(f"atténué : le marché commande {what} ({', '.join(study_cues)})")
        if confidence > 0:
            matches.append(SectorMatch(slug, round(confidence, 4), tuple(texts)))
    matches = other_gives_way(matches)
    matches.sort(key=lambda m: (-m.confidence, m.slug))
    return matches


def _one_clue_per_word(evidence: list[Evidence]) -> list[Evidence]:
    """Rule 2, and buildings: they count once per sector, and only beside a generic word
    of the same sector (« école » confirms « construction », it says nothing alone)."""
    best: dict[tuple[str, str], Evidence] = {}
    for item in evidence:
        key = (item.sector, "ouvrage" if item.building else item.text)
        if key not in best or item.weight > best[key].weight:
            best[key] = item
    generic_sectors = {e.sector for e in best.values() if e.generic}
    return [e for e in best.values() if not e.building or e.sector in generic_sectors]


def _lot_decides(evidence: list[Evidence], lot_start: int | None) -> list[Evidence]:
    """Rule 1: trades named only before « lot » give way to the lot's trades."""
    if lot_start is None:
        return evidence
    lot_trades: dict[str, list[float]] = defaultdict(list)
    for item in evidence:
        if item.is_trade and item.position is not None and item.position >= lot_start:
            lot_trades[item.sector].append(item.weight)
    lot_sectors = {s for s, ws in lot_trades.items() if noisy_or(ws) >= MATCH_THRESHOLD}
    if not lot_sectors:
        return evidence
    return [
        e
        for e in evidence
        if not (
            e.is_trade
            and e.position is not None
            and e.position < lot_start
            and e.sector not in lot_sectors
        )
    ]


def _supply_is_not_the_trade(evidence: list[Evidence], reading: Reading) -> list[Evidence]:
    """Rule 3."""
    fitted = reading.fitting or any(
        e.generic and e.sector == "travaux-de-chantiers-74" for e in evidence
    )
    if not reading.supply or fitted:
        return evidence
    cue = reading.supply[0]
    kept = []
    for item in evidence:
        if item.is_trade and item.from_title and item.sector in SUPPLIED_AS_NOTHING:
            continue
        if item.is_trade and item.from_title and item.sector in SUPPLIED_AS_MATERIALS:
            item = Evidence(
                MATERIALS, item.weight, f"{item.text}, fourni seul ({cue})", position=item.position
            )
        kept.append(item)
    return kept


def _generic_words(evidence: list[Evidence]) -> list[Evidence]:
    """Rule 4."""
    generic = [e for e in evidence if e.generic and not e.building]
    if not generic:
        return evidence
    trade_sectors = {e.sector for e in evidence if e.is_trade}
    support = []
    for generic_sector in sorted({e.sector for e in generic}):
        strongest = max((e for e in generic if e.sector == generic_sector), key=lambda e: e.weight)
        group = _SECTORS[generic_sector].group
        support += [
            Evidence(
                slug,
                strongest.weight * GENERIC_SUPPORT,
                f"contexte : {strongest.text}",
                position=strongest.position,
            )
            for slug in sorted(trade_sectors)
            if slug != generic_sector and _SECTORS[slug].group == group
        ]
    evidence = evidence + support
    # Only a trade named in the title replaces the generic sector: a CPV code of joinery
    # on "Construction de l'école - lot 11" does not make the works title a joinery one.
    trade_weights: dict[str, list[float]] = defaultdict(list)
    for item in evidence:
        if item.is_trade and item.from_title:
            trade_weights[item.sector].append(item.weight)
    if any(noisy_or(ws) >= MATCH_THRESHOLD for ws in trade_weights.values()):
        return [e for e in evidence if e.is_trade]
    return evidence


def other_gives_way(matches: list[SectorMatch]) -> list[SectorMatch]:
    """Rule 6: « Autre (Collecte des déchets) » is for waste that no named sector fits."""
    named_groups = {
        _SECTORS[m.slug].group
        for m in matches
        if m.confidence >= MATCH_THRESHOLD and not _SECTORS[m.slug].name.startswith("Autre")
    }
    return [
        m
        for m in matches
        if not (
            _SECTORS[m.slug].name.startswith("Autre") and _SECTORS[m.slug].group in named_groups
        )
    ]
