"""Lead identity and lifecycle rules (pure): one lead per (structure, kind, prospect)."""

from __future__ import annotations

import uuid
from datetime import datetime

from chantiers_common.events.matching import Lead, ScoreComponent

_NAMESPACE = uuid.UUID("6f1b5a8e-2f4c-4d0b-9a57-3c1e1d7b9e21")


def lead_id(structure_siret: str, kind: str, prospect_ref: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{structure_siret}|{kind}|{prospect_ref}"))


def changed(old: Lead, score: int, components: list[ScoreComponent]) -> bool:
    """A new version is published only when the score or its reasons change."""
    return old.score != score or [c.reason for c in old.components] != [
        c.reason for c in components
    ]


def next_version(old: Lead | None) -> int:
    return 1 if old is None else old.version + 1


def is_expired(deadline: datetime | None, now: datetime) -> bool:
    return deadline is not None and deadline < now
