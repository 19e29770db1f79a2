"""What a notice is (call for tenders, correction, cancellation, award) and therefore
which event it publishes.

The API says it in two fields: ``nature`` (APPEL_OFFRE, ATTRIBUTION…) and ``etat``
(INITIAL, RECTIFICATIF, ANNULATION). A correction of a call for tenders is written
``nature=APPEL_OFFRE, etat=RECTIFICATIF`` (15-31438), so ``etat`` comes first. The tender
keeps the resulting nature (RECTIFICATIF, ANNULATION…) so that a consumer reads the same
fact as the event type.
"""

from __future__ import annotations

from chantiers_common.events.envelope import Contract
from chantiers_common.events.prospects import (
    Tender,
    TenderAwarded,
    TenderCancelled,
    TenderPublished,
    TenderUpdated,
)

from .errors import NoticeError

CALL = "APPEL_OFFRE"
CORRECTION = "RECTIFICATIF"
CANCELLATION = "ANNULATION"
AWARD = "ATTRIBUTION"

EVENTS: dict[str, type[Contract]] = {
    CALL: TenderPublished,
    CORRECTION: TenderUpdated,
    CANCELLATION: TenderCancelled,
    AWARD: TenderAwarded,
}

# Spellings seen in the API, its ``gestion`` block and older exports → our four natures.
_ALIASES = {
    "APPEL_OFFRE": CALL,
    "APPELOFFRE": CALL,
    "AVIS_MARCHE": CALL,
    # A prior-information notice announces a need before the call: for an ACI it is a
    # lead as early as it gets.
    "PRE_INFORMATION": CALL,
    "PREINFORMATION": CALL,
    "AVIS_PREALABLE": CALL,
    "RECTIFICATIF": CORRECTION,
    "MODIFICATION": CORRECTION,
    "ANNULATION": CANCELLATION,
    "ATTRIBUTION": AWARD,
    "RESULTAT": AWARD,
    "RESULTAT_MARCHE": AWARD,
    # The buyer names the company it intends to contract with: an award in all but name.
    "INTENTION_CONCLURE": AWARD,
}
_STATES = {"RECTIFICATIF": CORRECTION, "MODIFICATION": CORRECTION, "ANNULATION": CANCELLATION}


def normalize_nature(nature: str | None, state: str | None) -> tuple[str, bool]:
    """(nature, inferred): ``inferred`` is True when the record did not say (title-only
    records), in which case the notice is taken for a call for tenders."""
    state_key = _key(state)
    if state_key in _STATES:
        return _STATES[state_key], False
    nature_key = _key(nature)
    if not nature_key:
        return CALL, True
    if nature_key not in _ALIASES:
        raise NoticeError(f"nature d'avis inconnue : {nature!r}")
    return _ALIASES[nature_key], False


def _key(value: str | None) -> str:
    return (value or "").strip().upper().replace("-", "_").replace(" ", "_")


def event_for(tender: Tender) -> type[Contract]:
    """The event contract a tender is published with, from its (normalized) nature."""
    try:
        return EVENTS[tender.nature]
    except KeyError:
        raise NoticeError(
            f"nature d'avis sans événement : {tender.nature!r}", idweb=tender.idweb
        ) from None
