"""A lead as the templates show it: labels, formatted place and deadline, answer links.

The same card feeds the HTML and the text templates, so both say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chantiers_common.events.common_types import LeadKind, Outcome
from chantiers_common.events.matching import Lead

from .links import LinkSigner, feedback_url
from .preferences import ContactPrefs
from .rendering import datetime_fr, days_left_fr, km

KIND_LABELS: dict[LeadKind, str] = {
    LeadKind.TENDER: "Appel d’offres",
    LeadKind.AWARD: "Attribution – sous-traitance",
    LeadKind.COMPANY: "Entreprise",
}
COUNTERPART_LABELS: dict[LeadKind, str] = {
    LeadKind.TENDER: "Acheteur",
    LeadKind.AWARD: "Titulaire du marché",
    LeadKind.COMPANY: "Entreprise",
}
# In the order the buttons are shown: the most common answers first.
OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.INTERESTED: "Intéressé",
    Outcome.NOT_INTERESTED: "Pas intéressé",
    Outcome.CONTACTED: "Déjà en contact",
    Outcome.WON: "Gagné",
    Outcome.LOST: "Perdu",
}


@dataclass(frozen=True, slots=True)
class AnswerLink:
    outcome: Outcome
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class LeadCard:
    """What the templates show for one lead, already formatted."""

    id: str
    kind_label: str
    title: str
    counterpart_label: str
    counterpart: str
    place: str | None
    deadline: str | None
    days_left: str | None
    urgent: bool
    score: int
    reasons: list[str]
    url: str | None
    answers: list[AnswerLink]


def safe_url(url: str | None) -> str | None:
    """Only web links reach an ``href``: escaping does not stop ``javascript:``."""
    if url and url.strip().lower().startswith(("https://", "http://")):
        return url.strip()
    return None


def place_label(lead: Lead) -> str | None:
    where = lead.place or ""
    if lead.departments and not where:
        where = ", ".join(lead.departments)
    elif lead.departments and len(lead.departments) == 1 and lead.departments[0] not in where:
        where = f"{where} ({lead.departments[0]})"
    if lead.distance_km is not None:
        where = f"{where} · à {km(lead.distance_km)}" if where else f"à {km(lead.distance_km)}"
    return where or None


def lead_card(
    lead: Lead,
    contact: ContactPrefs,
    now: datetime,
    *,
    base_url: str,
    signer: LinkSigner,
    urgent: bool = False,
) -> LeadCard:
    """The card of one lead for one contact: the answer links are signed for both."""
    answers = [
        AnswerLink(
            outcome,
            label,
            feedback_url(
                base_url,
                signer.feedback_token(contact.contact_id, lead.id, outcome, lead.structure_siret),
            ),
        )
        for outcome, label in OUTCOME_LABELS.items()
    ]
    reasons = list(lead.reasons) or [c.reason for c in lead.components if c.reason]
    return LeadCard(
        id=lead.id,
        kind_label=KIND_LABELS[lead.kind],
        title=lead.title,
        counterpart_label=COUNTERPART_LABELS[lead.kind],
        counterpart=lead.counterpart,
        place=place_label(lead),
        deadline=datetime_fr(lead.deadline) if lead.deadline else None,
        days_left=days_left_fr(lead.deadline, now) if lead.deadline else None,
        urgent=urgent,
        score=lead.score,
        reasons=reasons,
        url=safe_url(lead.url),
        answers=answers,
    )
