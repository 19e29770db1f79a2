"""The components of a company lead (and of an award's winner): plain functions, each
returning the share of its points and a French sentence a person can check."""

from __future__ import annotations

from datetime import date

from .evidence import SegmentEvidence
from .naf_links import NafLink
from .scoring import Part, clamp

# SIRENE headcount bands (trancheEffectifsEtablissement) → (share, label). The labels are
# INSEE's (a test checks them against the reference table).
HEADCOUNT_BANDS: dict[str, tuple[float, str]] = {
    "NN": (0.1, "Unité non employeuse"),
    "00": (0.1, "0 salarié"),
    "01": (0.3, "1 ou 2 salariés"),
    "02": (0.3, "3 à 5 salariés"),
    "03": (0.4, "6 à 9 salariés"),
    "11": (0.6, "10 à 19 salariés"),
    "12": (0.7, "20 à 49 salariés"),
    "21": (0.8, "50 à 99 salariés"),
    "22": (0.9, "100 à 199 salariés"),
    "31": (1.0, "200 à 249 salariés"),
    "32": (1.0, "250 à 499 salariés"),
    "41": (1.0, "500 à 999 salariés"),
    "42": (1.0, "1 000 à 1 999 salariés"),
    "51": (1.0, "2 000 à 4 999 salariés"),
    "52": (1.0, "5 000 à 9 999 salariés"),
    "53": (1.0, "10 000 salariés et plus"),
}
# From this band on, an employer has social-reporting and responsible-purchasing duties.
LARGE_EMPLOYER_BANDS = frozenset({"32", "41", "42", "51", "52", "53"})


def relation_part(link: NafLink, evidence: SegmentEvidence | None, factor_min: float,
                  factor_max: float) -> Part:
    """Client or same trade, by NAF code; the field's answers on this segment move it."""
    if link.relation == "client":
        reason = f"Client potentiel : {link.label} (NAF {link.naf}) — {link.why}"
    else:
        reason = f"Même métier : {link.label} (NAF {link.naf}) — {link.why}"
    share = link.weight
    if evidence is not None and evidence.answers:
        share *= evidence.factor(factor_min, factor_max)
        reason += f" ; {evidence.summary()}"
    return Part(clamp(share), reason)


def headcount_part(band: str | None, *, who: str = "Établissement") -> Part:
    known = HEADCOUNT_BANDS.get(band or "")
    if known is None:
        return Part(0.3, f"{who} : effectif non renseigné")
    share, label = known
    if band in LARGE_EMPLOYER_BANDS:
        return Part(share, f"{who} : {label}, grand employeur (obligations sociales et achats "
                    "responsables)")
    return Part(share, f"{who} : {label}")


def ess_part(ess: bool | None) -> Part:
    if ess:
        return Part(1.0, "Entreprise de l'économie sociale et solidaire (ESS)")
    if ess is None:
        return Part(0.0, "Appartenance à l'ESS non renseignée")
    return Part(0.0, "Hors économie sociale et solidaire")


def mission_part(mission: bool | None) -> Part:
    if mission:
        return Part(1.0, "Société à mission")
    return Part(0.0, "Pas de qualité de société à mission connue")


def new_establishment_part(created_on: date | None, today: date, days: int) -> Part:
    if created_on is None:
        return Part(0.0, "Date de création de l'établissement inconnue")
    age = (today - created_on).days
    if 0 <= age <= days:
        return Part(1.0, f"Établissement créé le {created_on:%d/%m/%Y} : nouveaux besoins, "
                    "fournisseurs à choisir")
    return Part(0.0, f"Établissement créé le {created_on:%d/%m/%Y}")
