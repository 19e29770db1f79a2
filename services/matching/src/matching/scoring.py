"""Score a (structure activity, tender) pair from 0 to 100, with French reasons.

Each component has a weight (its maximum points) in :data:`WEIGHTS`; a component returns
the share of its points it earns and the sentence that explains it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chantiers_common.events.matching import ScoreComponent
from chantiers_common.events.prospects import Tender

WEIGHTS: dict[str, float] = {
    "sector": 35.0,
    "distance": 20.0,
    "social": 25.0,
    "deadline": 20.0,
}


@dataclass(frozen=True)
class Part:
    share: float  # 0..1 of the component's weight
    reason: str


def sector_part(sector_name: str, confidence: float, evidence: tuple[str, ...]) -> Part:
    why = f" ({', '.join(evidence[:2])})" if evidence else ""
    return Part(confidence, f"Secteur : {sector_name}{why}")


def distance_part(distance_km: float | None, area_reason: str, radius_km: float | None) -> Part:
    if distance_km is None:
        return Part(0.5, area_reason)
    scale = max(radius_km or 50.0, 1.0)
    return Part(max(0.0, 1.0 - distance_km / (scale * 1.5)), area_reason)


def social_part(tender: Tender) -> Part:
    if tender.reserved_siae:
        return Part(1.0, "Marché réservé aux SIAE")
    if tender.insertion_market:
        return Part(1.0, "Marché d'insertion et de qualification professionnelle")
    if tender.social_criteria:
        return Part(0.7, "Clause ou critère social dans le marché")
    if tender.family == "MAPA":
        return Part(0.3, "Procédure adaptée (MAPA), accessible aux petites structures")
    return Part(0.0, "Pas de clause sociale signalée")


def deadline_part(deadline: datetime | None, now: datetime) -> Part | None:
    """None when the deadline has passed: no lead at all."""
    if deadline is None:
        return Part(0.5, "Date limite de réponse non précisée")
    days = (deadline - now).total_seconds() / 86400
    if days < 0:
        return None
    when = deadline.strftime("%d/%m")
    if days < 5:
        return Part(0.2, f"Réponse avant le {when} ({days:.0f} jours) : délai très court")
    if days < 10:
        return Part(0.6, f"Réponse avant le {when} ({days:.0f} jours)")
    return Part(1.0, f"Réponse avant le {when} ({days:.0f} jours)")


def combine(parts: dict[str, Part]) -> tuple[int, list[ScoreComponent]]:
    components = [
        ScoreComponent(
            name=name,
            points=round(WEIGHTS[name] * part.share, 1),
            max_points=WEIGHTS[name],
            reason=part.reason,
        )
        for name, part in parts.items()
    ]
    total = sum(c.points for c in components) / sum(WEIGHTS[n] for n in parts) * 100
    return max(0, min(100, round(total))), components
