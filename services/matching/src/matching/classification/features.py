"""A title → the features of the learned model: its words, and what the rules read in it.

The same function serves the build script (``scripts/build_title_model.py``) and the
service, so that the model sees at run time exactly what it was trained on.

- ``w=stem`` and ``b=stem stem``: the title's stems (``normalize.tokens``) and adjacent
  pairs. Pairs carry what single words cannot: « espac vert » is not « vert ».
- ``c=gram``: character n-grams of the unaccented words (only if the model was built
  with them), for abbreviations and typos (« TRX », « AMGNT », « CHAUFFAFE »).
- ``lex=slug`` (the rules' confidence for the sector, titles alone), ``lexlog=slug`` (the
  same as log-odds above a floor of 1 %, so that a linear model can add it up) and
  ``lex+=slug`` (that confidence reaches the threshold): the reviewed lexicon is the
  model's strongest feature, and the model learns where the labels disagree with it.
- ``role=…``: the kinds of lexicon phrase found (« etude », « hors », « fourniture »,
  « pose », « generique »…), the cues that make a title a study or a supply.
- ``lot`` and ``court``: the title names a lot; the title has at most two words (muet).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import pairwise

from .classifier import MATCH_THRESHOLD, classify_by_rules, title_roles
from .evidence import SectorMatch
from .normalize import strip_accents, tokens, words

_LOT = tokens("lot")[0]
# Confidences are clipped to [FLOOR, 1 - FLOOR] before taking their log-odds.
FLOOR = 0.01


def title_features(
    title: str,
    rules: Iterable[SectorMatch] | None = None,
    char_ngrams: tuple[int, ...] = (),
) -> dict[str, float]:
    """Sparse features of a title; ``rules`` is ``classify_by_rules(title)`` if known."""
    stems = tokens(title)
    features: dict[str, float] = {}
    for stem in stems:
        features[f"w={stem}"] = 1.0
    for first, second in pairwise(stems):
        features[f"b={first} {second}"] = 1.0
    if char_ngrams:
        for word in words(strip_accents(title)):
            padded = f"<{word}>"
            for size in char_ngrams:
                for start in range(len(padded) - size + 1):
                    features[f"c={padded[start : start + size]}"] = 1.0
    for match in classify_by_rules(title) if rules is None else rules:
        features[f"lex={match.slug}"] = match.confidence
        features[f"lexlog={match.slug}"] = _log_odds(match.confidence) - _log_odds(FLOOR)
        if match.confidence >= MATCH_THRESHOLD:
            features[f"lex+={match.slug}"] = 1.0
    for role in title_roles(stems):
        features[f"role={role}"] = 1.0
    if _LOT in stems:
        features["lot"] = 1.0
    if len(stems) <= 2:
        features["court"] = 1.0
    return features


def _log_odds(confidence: float) -> float:
    clipped = min(max(confidence, FLOOR), 1.0 - FLOOR)
    return math.log(clipped / (1.0 - clipped))
