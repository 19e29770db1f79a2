"""The components of a tender or award lead: each returns the share of its points it
earns and a French sentence a person can check. Plain functions, no I/O."""

from __future__ import annotations

from datetime import date, datetime

from chantiers_common.events.prospects import Tender

from .catalog import ActivityEntry, StructureInfo
from .eligibility import AreaFit
from .scoring import Part, clamp

# A suggested activity (from the structure's name, not yet confirmed by its staff) counts
# for this share of its sector fit when the suggestion has no confidence of its own.
SUGGESTED_DEFAULT_CONFIDENCE = 0.7


def euros(amount: float) -> str:
    return f"{amount:,.0f}".replace(",", " ") + " €"


def sector_part(name: str, confidence: float, evidence: tuple[str, ...],
                activity: ActivityEntry) -> Part:
    why = f" ({', '.join(evidence[:2])})" if evidence else ""
    share, reason = confidence, f"Secteur : {name}{why}"
    if activity.suggested:
        share *= activity.confidence or SUGGESTED_DEFAULT_CONFIDENCE
        reason += " ; activité suggérée, à confirmer"
    return Part(share, reason)


def distance_part(fit: AreaFit, reference_km: float) -> Part:
    """Full points next door, half at the reference distance, none at twice that: the
    same scale for every area, so that nearer is always better (a 5 km radius does not
    make 4 km far)."""
    if not fit.place_known:
        return Part(0.0, fit.reason)
    if fit.distance_km is None:
        return Part(0.5, fit.reason)
    return Part(clamp(1 - fit.distance_km / (2 * reference_km)), fit.reason)


def social_part(tender: Tender, structure_kind: str | None) -> Part:
    if tender.reserved_siae:
        return Part(1.0, "Marché réservé aux SIAE")
    if tender.reserved_disabled:
        if (structure_kind or "").upper() == "EA":
            return Part(1.0, "Marché réservé aux entreprises adaptées et ESAT")
        return Part(0.0, "Marché réservé aux entreprises adaptées et ESAT : une SIAE n'y "
                    "répond qu'avec l'une d'elles")
    if tender.insertion_market:
        return Part(1.0, "Marché d'insertion et de qualification professionnelle")
    if tender.social_criteria:
        return Part(0.7, "Clause ou critère social dans le marché")
    if (tender.family or "").upper() == "MAPA":
        return Part(0.3, "Procédure adaptée (MAPA), accessible aux petites structures")
    return Part(0.0, "Pas de clause sociale signalée")


def deadline_part(deadline: datetime | None, now: datetime) -> Part | None:
    """None when the deadline has passed: no lead at all. The sentence names the date
    (not a countdown), so that it changes only when the deadline does."""
    if deadline is None:
        return Part(0.5, "Date limite de réponse non précisée")
    days = (deadline - now).total_seconds() / 86400
    if days < 0:
        return None
    when = f"Réponse avant le {deadline:%d/%m/%Y}"
    if days < 5:
        return Part(0.2, f"{when} : délai très court")
    if days < 10:
        return Part(0.6, f"{when} : délai court")
    return Part(1.0, when)


def amount_part(tender: Tender, structure: StructureInfo | None) -> Part:
    """The estimated amount against the structure's size and its headroom under the cap
    on sales (30 % of the costs of its sold activities for an ACI). Unknown figures are
    not a mismatch: they earn half the points."""
    lots = sorted(lot.amount_eur for lot in tender.lots if lot.amount_eur)
    amount = tender.amount_eur or (sum(lots) if lots else None)
    if amount is None:
        return Part(0.5, "Montant non précisé")
    said = f"Montant estimé {euros(amount)}"
    if structure is None:
        return Part(0.5, f"{said} ; taille de votre structure non déclarée")
    if structure.headroom_eur is not None:
        room, cap = structure.headroom_eur, f"{structure.cap_rate * 100:.0f} %"
        if room <= 0:
            return Part(0.1, f"{said} : votre plafond de ventes ({cap} des coûts) est déjà "
                        "atteint")
        if amount <= room:
            return Part(1.0, f"{said} : tient dans votre marge de {euros(room)} sous le "
                        f"plafond de {cap}")
        if lots and lots[0] <= room:
            return Part(0.7, f"{said}, au-delà de votre marge de {euros(room)} ; le plus "
                        f"petit lot ({euros(lots[0])}) y tient")
        return Part(0.3, f"{said} : dépasse votre marge de {euros(room)} sous le plafond de "
                    f"{cap} (un lot, ou en cotraitance)")
    if structure.commercial_revenue_eur:
        ratio = amount / structure.commercial_revenue_eur
        revenue = euros(structure.commercial_revenue_eur)
        if ratio <= 0.5:
            return Part(1.0, f"{said}, à la mesure de votre chiffre d'affaires ({revenue})")
        if ratio <= 1.5:
            return Part(0.6, f"{said}, proche de votre chiffre d'affaires ({revenue})")
        return Part(0.3, f"{said}, élevé au regard de votre chiffre d'affaires ({revenue})")
    if structure.headcount:
        # About 25 k€ of sales a year per person is what an insertion team can carry.
        capacity = structure.headcount * 25_000
        team = f"une équipe de {structure.headcount} personnes"
        if amount <= capacity:
            return Part(0.8, f"{said}, à la mesure d'{team}")
        return Part(0.4, f"{said}, élevé pour {team}")
    return Part(0.5, f"{said} ; taille de votre structure non déclarée")


def buyer_history_part(buyer_siret: str | None, siae_contracts: int) -> Part:
    if buyer_siret is None:
        return Part(0.2, "SIRET de l'acheteur non précisé : historique inconnu")
    if siae_contracts <= 0:
        return Part(0.2, "Aucun marché attribué à une SIAE connu pour cet acheteur")
    share = {1: 0.7, 2: 0.85}.get(siae_contracts, 1.0)
    plural = "s" if siae_contracts > 1 else ""
    return Part(share, f"Acheteur ayant déjà attribué {siae_contracts} marché{plural} à des "
                "SIAE")


def freshness_part(published_on: date | None, today: date, *, award: bool = False) -> Part:
    verb = "Attribué (avis du" if award else "Publié le"
    if published_on is None:
        return Part(0.5, "Date de l'avis non précisée")
    age = (today - published_on).days
    when = f"{verb} {published_on:%d/%m/%Y}" + (")" if award else "")
    if age <= 2:
        return Part(1.0, f"{when} : tout récent")
    if age <= 7:
        return Part(0.8, when)
    if age <= 30:
        return Part(0.5, when)
    return Part(0.2, f"{when} : ancien")


def award_social_part(tender: Tender) -> Part:
    why = ("le titulaire doit réaliser des heures d'insertion ; il peut sous-traiter à une "
           "SIAE ou prendre du personnel en insertion mis à disposition")
    if tender.insertion_market:
        return Part(1.0, f"Marché d'insertion attribué : {why}")
    return Part(1.0, f"Marché attribué avec clause sociale : {why}")


def award_amount_part(amount: float | None) -> Part:
    if amount is None:
        return Part(0.5, "Montant attribué non précisé")
    share = 1.0 if amount >= 500_000 else 0.8 if amount >= 100_000 else (
        0.5 if amount >= 25_000 else 0.3)
    return Part(share, f"Montant attribué : {euros(amount)} (les heures d'insertion "
                "croissent avec le montant)")
