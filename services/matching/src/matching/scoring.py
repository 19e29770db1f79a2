"""Turning component parts into a score from 0 to 100 and its breakdown.

A component returns a :class:`Part`: the share (0..1) of its weight it earns and the
French sentence that explains it. The weights come from the configuration
(:mod:`.weights`); the score is the sum of points over the sum of weights.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Part:
    share: float  # 0..1 of the component's weight
    reason: str


@dataclass(frozen=True, slots=True)
class Score:
    """A score and its breakdown: one dict per component, as ``ScoreComponent``
    serializes (name, points, max_points, reason), ready for the lead's JSON form."""

    value: int
    components: tuple[dict[str, Any], ...]

    @property
    def reasons(self) -> list[str]:
        """What earned points, most first: the sentences a person reads first."""
        ranked = sorted(self.components, key=_points, reverse=True)
        return [c["reason"] for c in ranked if c["points"] > 0]

    @property
    def fingerprint(self) -> str:
        """Changes exactly when the score or a reason changes (then ``lead.updated``)."""
        text = "\x1f".join([str(self.value), *(f"{c['name']}\x1e{c['reason']}"
                                                for c in self.components)])
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _points(component: dict[str, Any]) -> float:
    return component["points"]  # type: ignore[no-any-return]


def clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return low if value < low else high if value > high else value


def _component(name: str, weight: float, part: Part) -> dict[str, Any]:
    return {"name": name, "points": round(weight * clamp(part.share), 1), "max_points": weight,
            "reason": part.reason}


class Scorer:
    """Scores the candidates of one prospect. The parts every candidate shares (the
    deadline of a tender, its buyer's history…) are weighed once; :meth:`value` ranks a
    candidate cheaply, :meth:`score` builds the breakdown of those kept."""

    def __init__(self, weights: Mapping[str, float], shared: Mapping[str, Part] | None = None,
                 ) -> None:
        shared = shared or {}
        unknown = set(shared) - set(weights)
        if unknown:
            raise ValueError(f"components {sorted(unknown)} have no weight")
        self._weights = dict(weights)
        self._total = sum(weights.values())
        self._shared = {n: _component(n, weights[n], p) for n, p in shared.items()}
        self._shared_points = sum(c["points"] for c in self._shared.values())
        self._own = tuple(n for n in weights if n not in shared)

    def _check(self, own: Mapping[str, Part]) -> None:
        if len(own) != len(self._own) or any(n not in own for n in self._own):
            raise ValueError(f"components {sorted(own)} do not match {sorted(self._own)}")

    def value(self, own: Mapping[str, Part]) -> int:
        """The score alone (what :meth:`score` gives)."""
        self._check(own)
        weights = self._weights
        points = self._shared_points + sum(round(weights[n] * clamp(own[n].share), 1)
                                           for n in self._own)
        return max(0, min(100, round(points / self._total * 100)))

    def score(self, own: Mapping[str, Part]) -> Score:
        self._check(own)
        components = tuple(
            self._shared[n] if n in self._shared else _component(n, w, own[n])
            for n, w in self._weights.items()
        )
        total = sum(c["points"] for c in components) / self._total * 100
        return Score(max(0, min(100, round(total))), components)


def combine(weights: Mapping[str, float], parts: Mapping[str, Part]) -> Score:
    """``parts`` must name exactly the weighted components."""
    return Scorer(weights).score(parts)
