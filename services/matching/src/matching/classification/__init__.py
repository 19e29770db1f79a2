"""Classify a tender into sectors of the SIAE marketplace taxonomy (154 sectors).

Public API::

    from matching.classification import MATCH_THRESHOLD, SectorMatch, classify, sector_names
"""

from .combined import MATCH_THRESHOLD, SectorMatch, classify
from .taxonomy import sector_groups, sector_names

__all__ = ["MATCH_THRESHOLD", "SectorMatch", "classify", "sector_groups", "sector_names"]
