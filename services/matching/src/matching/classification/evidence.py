"""What the signals of one tender say, before the rules turn it into confidences."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SectorMatch:
    slug: str
    confidence: float  # 0..1
    evidence: tuple[str, ...]  # French, e.g. "CPV 77310000", "mot-clé « débroussaillage »"


@dataclass
class Evidence:
    sector: str
    weight: float
    text: str  # French, shown to people: "mot-clé « débroussaillage »", "CPV 77310000"
    generic: bool = False  # a works/maintenance word without a trade (role « generique »)
    building: bool = False  # a building or equipment named (role « ouvrage »)
    position: int | None = None  # index of the first title word it read (None: not the title)

    @property
    def from_title(self) -> bool:
        return self.position is not None

    @property
    def is_trade(self) -> bool:
        return not (self.generic or self.building)


@dataclass
class Reading:
    evidence: list[Evidence] = field(default_factory=list)
    removed: set[str] = field(default_factory=set)  # « -slug » rows: out of the whole title
    title_study: list[str] = field(default_factory=list)  # study cues of the title
    other_study: list[str] = field(default_factory=list)  # study CPV codes and descriptors
    outside: bool = False  # a cue of a service outside the taxonomy (insurance, legal…)
    supply: list[str] = field(default_factory=list)  # « fourniture », « achat »…
    fitting: list[str] = field(default_factory=list)  # « pose », « installation »…
    lot_start: int | None = None  # title position after the last « lot »


def noisy_or(weights: Iterable[float]) -> float:
    """Independent clues: 1 - Π(1 - weight)."""
    remaining = 1.0
    for weight in weights:
        remaining *= 1.0 - weight
    return 1.0 - remaining
