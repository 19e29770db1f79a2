"""Lead identity and shape: one lead per (structure, kind, prospect), with a stable id.

Matchers build each lead in its JSON form (what the ``Lead`` contract serializes to, and
what the database and the outbox store): no model is built per candidate on the hot
path. The tests validate these dicts against the contract.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from chantiers_common.events.matching import Lead

from .scoring import Score

T = TypeVar("T")

_NAMESPACE = uuid.UUID("6f1b5a8e-2f4c-4d0b-9a57-3c1e1d7b9e21")


def lead_id(structure_siret: str, kind: str, prospect_ref: str) -> str:
    """``uuid5(_NAMESPACE, "siret|kind|ref")``, computed without building UUID objects."""
    digest = bytearray(hashlib.sha1(
        _NAMESPACE.bytes + f"{structure_siret}|{kind}|{prospect_ref}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60] or "sans-nom"


def award_ref(award_idweb: str, winner_siret: str | None, winner_name: str) -> str:
    """An award lead is about one winner of one awarded market (the hours of that
    market's clause)."""
    return f"{award_idweb}:{winner_siret or slug(winner_name)}"


def iso(moment: datetime | date | None) -> str | None:
    return None if moment is None else moment.isoformat()


def lead_template(*, kind: str, prospect_ref: str, title: str, counterpart: str,
                  counterpart_siret: str | None, departments: list[str], place: str | None,
                  deadline: datetime | None, url: str | None, scored_at: datetime,
                  ) -> dict[str, Any]:
    """What every lead on one prospect shares (built once per prospect)."""
    return {
        "version": 1,  # the database sets the real version
        "kind": kind,
        "prospect_ref": prospect_ref,
        "title": title,
        "counterpart": counterpart,
        "counterpart_siret": counterpart_siret,
        "departments": departments,
        "place": place,
        "deadline": iso(deadline),
        "url": url,
        "scored_at": iso(scored_at),
    }


def lead_data(template: dict[str, Any], *, structure_siret: str, sector: str,
              distance_km: float | None, score: Score) -> dict[str, Any]:
    """A lead in its JSON form: the prospect's template and this structure's part."""
    return {
        **template,
        "id": lead_id(structure_siret, template["kind"], template["prospect_ref"]),
        "structure_siret": structure_siret,
        "sector": sector,
        "sectors": [sector],
        "distance_km": None if distance_km is None else round(distance_km, 1),
        "score": score.value,
        "components": list(score.components),
        "reasons": score.reasons,
    }


@dataclass(frozen=True, slots=True)
class ScoredLead:
    """A lead (JSON form) and what the database keeps beside it."""

    data: dict[str, Any]
    fingerprint: str
    activity_id: str
    naf: str | None = None
    department: str | None = None

    @property
    def id(self) -> str:
        return self.data["id"]  # type: ignore[no-any-return]

    @property
    def score(self) -> int:
        return self.data["score"]  # type: ignore[no-any-return]

    @property
    def structure_siret(self) -> str:
        return self.data["structure_siret"]  # type: ignore[no-any-return]

    @property
    def lead(self) -> Lead:
        """The contract (validated): for tests and one-off readers, not the hot path."""
        return Lead.model_validate(self.data)


class BestPerStructure(Generic[T]):
    """The best candidate of each structure: its lead comes from its best activity; ties
    go to the smaller activity id, so that every replica picks the same one."""

    def __init__(self) -> None:
        self._best: dict[str, tuple[int, str, T]] = {}

    def offer(self, siret: str, score: int, activity_id: str, candidate: T) -> None:
        held = self._best.get(siret)
        if held is None or score > held[0] or (score == held[0] and activity_id < held[1]):
            self._best[siret] = (score, activity_id, candidate)

    def winners(self) -> list[T]:
        return [candidate for _, _, candidate in self._best.values()]
