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
    # Other counts worth a line (closed establishments skipped, locations by source…).
    notes: Counter[str] = field(default_factory=Counter)
    # Where to look for a few of the quarantined records (SIRENE: "line 12: reason").
    examples: list[str] = field(default_factory=list)
    mode: str | None = None  # companies: "delta" (an event each) or "bulk"
    seconds: dict[str, float] = field(default_factory=dict)  # "load" (to commit), "publish"

    def quarantine(self, reason: str) -> None:
        self.quarantined += 1
        # Group reasons by their first clause so that "top reasons" are meaningful.
        self.reasons[reason.split(":")[0][:120]] += 1

    def __iadd__(self, other: IngestReport) -> IngestReport:
        for name in ("read", "valid", "new", "updated", "unchanged", "quarantined", "events"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.reasons.update(other.reasons)
        self.notes.update(other.notes)
        self.examples.extend(other.examples[: max(0, 20 - len(self.examples))])
        return self

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
            "notes": dict(self.notes),
            "examples": list(self.examples),
            "mode": self.mode,
            "seconds": dict(self.seconds),
        }
