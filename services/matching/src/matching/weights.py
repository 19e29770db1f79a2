"""The scoring configuration: named components and their weights, in one versioned data
file (``data/scoring.toml``), checked when loaded."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chantiers_common.events.common_types import LeadKind

DATA = Path(__file__).parent / "data"

# The components each kind of lead is scored with: the scorers produce exactly these
# (a test checks it), and the configuration must weigh exactly these.
COMPONENTS: dict[LeadKind, tuple[str, ...]] = {
    LeadKind.TENDER: ("sector", "distance", "social", "deadline", "amount", "buyer_history",
                      "freshness"),
    LeadKind.AWARD: ("sector", "distance", "social", "amount", "winner", "freshness"),
    LeadKind.COMPANY: ("relation", "distance", "headcount", "ess", "mission",
                       "new_establishment"),
}


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reference_km: float = Field(gt=0)
    company_france_radius_km: float = Field(gt=0)
    company_min_score: int = Field(ge=0, le=100)
    new_establishment_days: int = Field(gt=0)
    evidence_prior_success: float = Field(gt=0)
    evidence_prior_failure: float = Field(gt=0)
    evidence_factor_min: float = Field(gt=0)
    evidence_factor_max: float = Field(gt=0)


class ScoringConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(ge=1)
    tender: dict[str, float]
    award: dict[str, float]
    company: dict[str, float]
    rules: Rules

    @model_validator(mode="after")
    def _components_are_known(self) -> ScoringConfig:
        for kind, names in COMPONENTS.items():
            weights = self.weights(kind)
            if set(weights) != set(names):
                missing, extra = set(names) - set(weights), set(weights) - set(names)
                raise ValueError(f"[{kind.value}] : composantes manquantes {sorted(missing)},"
                                 f" inconnues {sorted(extra)}")
            if any(w <= 0 for w in weights.values()):
                raise ValueError(f"[{kind.value}] : chaque poids doit être positif")
        if self.rules.evidence_factor_min > self.rules.evidence_factor_max:
            raise ValueError("evidence_factor_min > evidence_factor_max")
        return self

    def weights(self, kind: LeadKind) -> dict[str, float]:
        return {LeadKind.TENDER: self.tender, LeadKind.AWARD: self.award,
                LeadKind.COMPANY: self.company}[kind]


def parse_config(text: str) -> ScoringConfig:
    return ScoringConfig.model_validate(tomllib.loads(text))


@lru_cache
def load_config(path: Path | None = None) -> ScoringConfig:
    return parse_config((path or DATA / "scoring.toml").read_text(encoding="utf-8"))
