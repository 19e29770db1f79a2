"""What the matchers read besides the prospect: the catalog of activities, the scoring
configuration, the NAF links, the buyers' history and the sector names."""

from __future__ import annotations

from dataclasses import dataclass, field

from .buyer_history import BuyerHistory
from .catalog import Catalog
from .classification import sector_names
from .naf_links import NafLinks, load_links
from .weights import ScoringConfig, load_config


@dataclass
class MatchContext:
    catalog: Catalog
    config: ScoringConfig = field(default_factory=load_config)
    links: NafLinks = field(default_factory=load_links)
    history: BuyerHistory = field(default_factory=BuyerHistory.from_file)
    names: dict[str, str] = field(default_factory=sector_names)

    @classmethod
    def empty(cls, config: ScoringConfig | None = None) -> MatchContext:
        config = config or load_config()
        return cls(Catalog(config.rules.company_france_radius_km), config)

    def sector_name(self, slug: str) -> str:
        return self.names.get(slug, slug)
