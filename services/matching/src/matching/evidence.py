"""Learning from outcomes: what the field answered about leads, per segment (sector × NAF
division × department), with a Beta prior so that a few answers move little."""

from __future__ import annotations

from dataclasses import dataclass, field

from chantiers_common.events.common_types import Outcome

# Interested, contacted and won say the company was a good lead; not interested and lost
# say it was not (a lost deal is a company that chose someone else).
POSITIVE = frozenset({Outcome.INTERESTED, Outcome.CONTACTED, Outcome.WON})


@dataclass(frozen=True, slots=True)
class Segment:
    sector: str
    naf_division: str  # the first two digits of the NAF code, "68"
    department: str

    @classmethod
    def of(cls, sector: str | None, naf: str | None, department: str | None) -> Segment | None:
        if not sector or not naf or not department:
            return None
        return cls(sector, naf[:2], department)

    def label(self) -> str:
        return f"{self.sector} × NAF {self.naf_division} × {self.department}"


@dataclass
class SegmentEvidence:
    segment: Segment
    counts: dict[str, int] = field(default_factory=dict)  # outcome → answers
    prior_success: float = 2.0
    prior_failure: float = 2.0

    @property
    def successes(self) -> int:
        return sum(n for o, n in self.counts.items() if o in POSITIVE)

    @property
    def answers(self) -> int:
        return sum(self.counts.values())

    @property
    def failures(self) -> int:
        return self.answers - self.successes

    @property
    def prior_mean(self) -> float:
        return self.prior_success / (self.prior_success + self.prior_failure)

    @property
    def posterior_mean(self) -> float:
        """Mean of Beta(prior_success + successes, prior_failure + failures)."""
        return (self.prior_success + self.successes) / (
            self.prior_success + self.prior_failure + self.answers)

    def factor(self, low: float, high: float) -> float:
        """How much this segment's answers raise or lower the company component."""
        return min(high, max(low, self.posterior_mean / self.prior_mean))

    def summary(self) -> str:
        plural = "s" if self.answers > 1 else ""
        return (f"retours du terrain sur ce segment : {self.successes} positif"
                f"{'s' if self.successes > 1 else ''} sur {self.answers} réponse{plural}")


def change(counts: dict[str, int], old: Outcome | None, new: Outcome) -> dict[str, int]:
    """A contact's latest answer on a lead replaces their previous one."""
    updated = dict(counts)
    if old is not None and updated.get(old.value, 0) > 0:
        updated[old.value] -= 1
    updated[new.value] = updated.get(new.value, 0) + 1
    return {outcome: n for outcome, n in updated.items() if n}
