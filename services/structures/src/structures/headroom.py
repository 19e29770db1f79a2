"""The cap on an ACI's sales, and how much room is left under it.

Code du travail, art. D.5132-34: an ACI's commercial revenue may cover less than 30 % of
the costs of the activities it sells (up to 50 % by derogation granted by the State).
A lead that would push a structure over its cap is worth less to it, so matching needs
the headroom: cap_rate × costs − revenue, in euros. It is unknown (None) until both
figures are declared; negative means the structure is already over its cap.
"""

from __future__ import annotations

from chantiers_common.events.structures import Structure

STANDARD_CAP_RATE = 0.30
DEROGATION_CAP_RATE = 0.50
CAPPED_KIND = "ACI"


def cap_rate(derogation: bool = False) -> float:
    return DEROGATION_CAP_RATE if derogation else STANDARD_CAP_RATE


def headroom_eur(revenue_eur: float | None, costs_eur: float | None,
                 rate: float = STANDARD_CAP_RATE) -> float | None:
    """cap_rate × costs − revenue, rounded to the cent; None when a figure is missing."""
    if not 0 < rate <= DEROGATION_CAP_RATE:
        raise ValueError(f"taux de plafond hors bornes : {rate} (attendu : 0,30 ou jusqu'à 0,50)")
    if revenue_eur is None or costs_eur is None:
        return None
    if revenue_eur < 0 or costs_eur < 0:
        raise ValueError("le chiffre d'affaires et les coûts déclarés ne peuvent être négatifs")
    # Rounded: 0.3 × 100 000 is 30 000.000000000004 in binary floating point.
    return round(rate * costs_eur - revenue_eur, 2)


def structure_headroom_eur(structure: Structure) -> float | None:
    """The headroom of a structure; None for kinds without a cap (only ACIs have one:
    EI, ETTI and the others live from their sales)."""
    if structure.kind.upper() != CAPPED_KIND:
        return None
    return headroom_eur(structure.commercial_revenue_eur, structure.commercial_costs_eur,
                        structure.cap_rate)


def with_headroom(structure: Structure) -> Structure:
    """The structure with ``headroom_eur`` recomputed from its declared figures."""
    return structure.model_copy(update={"headroom_eur": structure_headroom_eur(structure)})


def is_over_cap(structure: Structure) -> bool | None:
    """True when sales already exceed the cap; None when it cannot be told."""
    room = structure_headroom_eur(structure)
    return None if room is None else room < 0


def fits_under_cap(structure: Structure, extra_revenue_eur: float) -> bool | None:
    """Would a contract worth ``extra_revenue_eur`` keep the structure under its cap?

    Conservative: the contract's own costs, which raise the cap by cap_rate × costs, are
    not known here and are not counted.
    """
    room = structure_headroom_eur(structure)
    return None if room is None else extra_revenue_eur <= room
