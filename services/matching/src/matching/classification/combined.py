"""Tender → sectors: the rules decide, a model learnt from hand labels corrects the title.

1. The rules (``classifier.classify_by_rules``: lexicon, CPV, descriptors) read the
   tender. Read on the title alone, their confidences and cues are also features of the
   learned model (``title_model.py``), which gives, for each sector with enough hand
   labels, the probability that the *title* orders that trade.
2. The model corrects the rules' reading of the title where it is sure: a sector it
   gives at least ``MODEL_ADDS`` rises to that probability; a sector it gives less than
   ``MODEL_DROPS`` falls to it. In between, the rules' confidence stands. (Measured by
   grouped cross-validation on titles the lexicon never saw: letting the model decide
   everything is no better, LABELING.md.)
3. Signals other than the title (CPV codes, descriptors, description) add to the title's
   confidence as the rules weigh them: the share they add on top of the title's,
   combined as independent clues. The model, which reads titles only, never removes them.
4. Sectors the model does not cover (too few labels) keep the rules' confidence.
5. An « Autre (…) » sector gives way to a named sector of its group (``rules.py``).
The rules' evidence stays first, as the words a person checks; one line says what the
model concluded when it speaks.
"""

from __future__ import annotations

from collections.abc import Sequence

from .classifier import classify_by_rules
from .evidence import SectorMatch, noisy_or
from .features import title_features
from .normalize import stem, tokens, words
from .rules import MATCH_THRESHOLD, other_gives_way
from .title_model import TitleModel, shipped_model

__all__ = ["MATCH_THRESHOLD", "SectorMatch", "classify", "classify_with"]

# The model raises a sector it gives at least this probability, and lowers one it gives
# less than MODEL_DROPS (both chosen by grouped cross-validation, LABELING.md).
MODEL_ADDS = 0.5
MODEL_DROPS = 0.1
# Under this probability the model lists no sector that the rules do not list.
MODEL_FLOOR = 0.05


def classify(
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
    return classify_with(shipped_model(), title, description, cpv_codes, descriptors)


def classify_with(
    model: TitleModel,
    title: str,
    description: str | None = None,
    cpv_codes: Sequence[str] = (),
    descriptors: Sequence[str] = (),
) -> list[SectorMatch]:
    """``classify`` with a given model (the build script cross-validates through it)."""
    by_title = {m.slug: m for m in classify_by_rules(title)}
    if description or cpv_codes or descriptors:
        everything = classify_by_rules(title, description, cpv_codes, descriptors)
        by_rules = {m.slug: m for m in everything}
    else:
        by_rules = by_title
    probabilities = (
        model.probabilities(features := title_features(title, by_title.values(), model.char_ngrams))
        if tokens(title)
        else {}
    )
    listed = set(by_rules) | {s for s, p in probabilities.items() if p >= MODEL_FLOOR}
    matches = []
    for slug in sorted(listed):
        rules = by_rules.get(slug)
        evidence = list(rules.evidence) if rules else []
        confidence = rules.confidence if rules else 0.0
        if slug in probabilities:
            p = probabilities[slug]
            from_title = by_title[slug].confidence if slug in by_title else 0.0
            corrected = title_confidence(from_title, p)
            confidence = noisy_or((corrected, _other_signals(from_title, confidence)))
            if p >= MODEL_FLOOR or slug in by_title:
                evidence.append(_model_evidence(model, slug, p, title, features))
        if confidence > 0:
            matches.append(SectorMatch(slug, round(confidence, 4), tuple(evidence)))
    matches = other_gives_way(matches)
    matches.sort(key=lambda m: (-m.confidence, m.slug))
    return matches


def title_confidence(by_rules: float, probability: float) -> float:
    """The title's confidence for a sector once the model has corrected the rules."""
    if probability >= MODEL_ADDS:
        return max(by_rules, probability)
    if probability < MODEL_DROPS:
        return min(by_rules, probability)
    return by_rules


def _other_signals(title_part: float, with_all: float) -> float:
    """The confidence that signals other than the title add, as the rules weigh them.

    The rules' confidence with every signal is 1 - (1 - title part)(1 - other part) when
    the other signals add to the title; the other part is what is left once the title's
    part is taken out. When they take away (a study CPV code), they add nothing.
    """
    if with_all <= title_part or title_part >= 1.0:
        return 0.0
    return 1.0 - (1.0 - with_all) / (1.0 - title_part)


def _model_evidence(
    model: TitleModel, slug: str, probability: float, title: str, features: dict[str, float]
) -> str:
    share = f"{probability:.2f}".replace(".", ",")
    text = f"modèle appris sur {model.titles} titres étiquetés : probabilité {share}"
    if probability >= MODEL_ADDS:
        # Only the title's words are shown (``reasons``): the rules' cues are evidence already.
        stems = model.reasons(slug, features)
        if shown := _title_words(stems, title):
            text += " (" + ", ".join(f"« {word} »" for word in shown) + ")"
    return text


def _title_words(stems: list[str], title: str) -> list[str]:
    """The title's words (unaccented) behind the model's stems: « curag » → « curage »."""
    word_of: dict[str, str] = {}
    for word in words(title):
        word_of.setdefault(stem(word), word)
    return [" ".join(word_of.get(part, part) for part in item.split()) for item in stems]
