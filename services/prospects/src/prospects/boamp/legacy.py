"""Reader of the legacy BOAMP layout (``Boamp_v230.xsd``, 2010-2023, and the JOUE award
notices of 2023 whose ``source_schema`` is missing): upper-case sections IDENTITE, OBJET,
PROCEDURE, CONDITION_*, ATTRIBUTION, converted from XML (``#text``/``@DEVISE``, one dict
for one element and a list for several)."""

from __future__ import annotations

from typing import Any

from chantiers_common.events.prospects import Lot, Winner

from .buyer_kind import kind_from_code
from .details import NoticeDetails, Place
from .values import amount, as_list, cpv, dedupe, get, parse_deadline, siret, text

# Keys of TYPE_MARCHE → the API's type_marche values.
MARKET_TYPES = {"SERVICE": "SERVICES", "SERVICES": "SERVICES", "FOURNITURES": "FOURNITURES",
                "TRAVAUX": "TRAVAUX"}


def read(donnees: dict[str, Any], schema: str = "legacy") -> NoticeDetails:
    identity = donnees.get("IDENTITE") or {}
    subject = donnees.get("OBJET") or {}
    details = NoticeDetails(schema=schema)
    details.buyer_name = text(identity.get("DENOMINATION"))
    details.buyer_siret = siret(identity.get("CODE_IDENT_NATIONAL"))
    details.buyer_kind = _first_key_kind(
        donnees.get("TYPE_POUVOIR_ADJUDICATEUR"), donnees.get("TYPE_ORGANISME")
    )
    details.title = text(subject.get("TITRE_MARCHE"))
    details.description = text(subject.get("OBJET_COMPLET"))
    details.cpv_main, details.cpv_additional = _cpv_codes(subject.get("CPV"))
    details.market_types = dedupe(
        MARKET_TYPES.get(key) for key in _keys(subject.get("TYPE_MARCHE"))
    )
    details.procedure = next(iter(_keys(get(donnees, "PROCEDURE", "TYPE_PROCEDURE"))), None)
    details.deadline = parse_deadline(get(donnees, "CONDITION_DELAI", "RECEPT_OFFRES"))

    place = subject.get("LIEU_EXEC_LIVR")
    if isinstance(place, dict):
        details.places.append(
            Place(label=text(place.get("ADRESSE")), postcode=text(place.get("CP")),
                  city=text(place.get("VILLE")))
        )
        details.nuts.extend(as_list(text(place.get("CODE_NUTS"))))

    lots_node = get(subject, "LOTS", "LOT")
    for node in as_list(lots_node):
        if not isinstance(node, dict):
            continue
        main, extra = _cpv_codes(node.get("CPV"))
        details.lots.append(
            Lot(
                number=text(node.get("NUM")),
                title=text(node.get("INTITULE")) or _short(text(node.get("DESCRIPTION"))),
                cpv=dedupe([main, *extra]),
                amount_eur=_value(node),
            )
        )
        nuts = text(node.get("CODE_NUTS"))
        if nuts:
            details.nuts.append(nuts)
        where = text(node.get("LIEU_PRINCIPAL"))
        if where:
            details.places.append(Place(label=where))
    details.nuts = dedupe(details.nuts)

    details.winners = _winners(donnees.get("ATTRIBUTION"))
    details.amount_eur = (
        _value(subject.get("CARACTERISTIQUES"))
        or _value(subject.get("ACCORD_CADRE"))
        or _sum([lot.amount_eur for lot in details.lots])
        or _value(donnees.get("ATTRIBUTION"))
        or _sum([w.amount_eur for w in details.winners])
    )

    participation = donnees.get("CONDITION_PARTICIPATION") or {}
    if "MARCHE_RESERVE_OUI" in participation:
        details.reserved = True
        details.reservation_texts.append(text(participation.get("MARCHE_RESERVE_OUI")) or "")
    details.related_idweb = dedupe(
        text(get(node, "REFERENCE", "IDWEB"))
        for node in as_list(get(donnees, "RECTIF", "ANNONCE_ANTERIEUR"))
    )
    return details


def _keys(node: Any) -> list[str]:
    """BOAMP writes choices as empty elements: {"OUVERT": ""} means "procédure ouverte"."""
    return list(node) if isinstance(node, dict) else []


def _first_key_kind(*nodes: Any) -> str | None:
    for node in nodes:
        for key in _keys(node):
            kind = kind_from_code(key)
            if kind:
                return kind
    return None


def _cpv_codes(node: Any) -> tuple[str | None, list[str]]:
    """``CPV`` is one ``{"PRINCIPAL": …}`` or a list of them (the first is the main code),
    each possibly with ``SUPPLEMENTAIRE`` codes."""
    codes: list[str | None] = []
    for item in as_list(node):
        if isinstance(item, dict):
            codes.append(cpv(item.get("PRINCIPAL")))
            codes.extend(cpv(extra) for extra in as_list(item.get("SUPPLEMENTAIRE")))
        else:
            codes.append(cpv(item))
    unique = dedupe(codes)
    return (unique[0], unique[1:]) if unique else (None, [])


def _value(node: Any) -> float | None:
    """The estimated value of a section: exact value first, then the maximum."""
    if not isinstance(node, dict):
        return None
    for key in ("VALEUR", "VALEUR_TOTALE", "VALEUR_MAX", "MONTANT"):
        found = amount(node.get(key))
        if found:
            return found
    return None


def _sum(values: list[float | None]) -> float | None:
    """A total only when every part is known (a partial sum would understate it)."""
    if not values or any(v is None for v in values):
        return None
    return sum(v for v in values if v is not None)


def _winners(attribution: Any) -> list[Winner]:
    winners: list[Winner] = []
    if not isinstance(attribution, dict):
        return winners
    for decision in as_list(attribution.get("DECISION")):
        if not isinstance(decision, dict):
            continue
        lot = text(decision.get("NUM_LOT"))
        value = _value(decision.get("RENSEIGNEMENT"))
        for holder in as_list(decision.get("TITULAIRE")):
            if not isinstance(holder, dict):
                continue
            name = text(holder.get("DENOMINATION"))
            if name:
                winners.append(
                    Winner(name=name, siret=siret(holder.get("CODE_IDENT_NATIONAL")), lot=lot,
                           amount_eur=value)
                )
    return winners


def _short(value: str | None, limit: int = 200) -> str | None:
    if value is None or len(value) <= limit:
        return value
    return value[: limit - 1].rstrip() + "…"
