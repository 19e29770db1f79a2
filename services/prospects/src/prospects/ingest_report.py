"""What an ingest did, for the operator (the same report for tenders and companies)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class IngestReport:
    read: int = 0
    valid: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    events: int = 0

    def quarantine(self, reason: str) -> None:
        self.quarantined += 1
        # Group reasons by their first clause so that "top reasons" are meaningful.
        self.reasons[reason.split(":")[0][:120]] += 1

    def as_dict(self) -> dict[str, object]:
        return {
            "read": self.read,
            "valid": self.valid,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "quarantined": self.quarantined,
            "top_reasons": self.reasons.most_common(5),
            "events": self.events,
        }
