"""Reader of BOAMP's national 3.2.5 layout: ``{"FNSimple": {...}}`` (notices between
90 k€ and the European thresholds) and ``{"MAPA": {...}}`` (small adapted procedures),
camel-case keys, one ``organisme`` and one ``initial`` (or correction/award) section."""

from __future__ import annotations

from typing import Any

from chantiers_common.events.prospects import Lot, Winner

from .details import NoticeDetails, Place
from .values import (
    amount,
    as_list,
    cpv,
    cpvs_in,
    dedupe,
    get,
    parse_deadline,
    siret,
    text,
    walk_strings,
)

ROOTS = ("FNSimple", "MAPA")


def root_of(donnees: dict[str, Any]) -> str | None:
    return next((key for key in ROOTS if isinstance(donnees.get(key), dict)), None)


def read(donnees: dict[str, Any]) -> NoticeDetails:
    root_key = root_of(donnees) or ROOTS[0]
    root = donnees[root_key]
    details = NoticeDetails(schema=f"3.2.5/{root_key}")
    organisation = root.get("organisme") or {}
    details.buyer_name = text(organisation.get("nomOfficiel")) or text(
        organisation.get("acheteurPublic")
    )
    # "codeIdentificationNational" is a SIRET when "typeIdentificationNational" says so;
    # siret() checks the number itself, so other identifiers are simply not taken.
    details.buyer_siret = siret(organisation.get("codeIdentificationNational"))

    # The notice body: "initial" for a first publication; corrections and awards use
    # other section names, read the same way.
    body = next((v for k, v in root.items() if k != "organisme" and isinstance(v, dict)), {})
    nature = body.get("natureMarche") if isinstance(body.get("natureMarche"), dict) else {}
    description = body.get("description") if isinstance(body.get("description"), dict) else {}
    procedure = body.get("procedure") if isinstance(body.get("procedure"), dict) else {}

    details.title = text(nature.get("intitule")) or text(description.get("objet"))
    details.description = text(nature.get("description"))
    market_node = nature.get("natureMarche") if "natureMarche" in nature else nature
    details.market_types = dedupe(
        key.upper() for key in _keys(market_node) if key in ("travaux", "services", "fournitures")
    )
    details.procedure = next((k for k in _keys(procedure) if k.startswith("procedure")), None)
    details.deadline = parse_deadline(procedure.get("dateReceptionOffres")) or parse_deadline(
        get(body, "delais", "receptionOffres")
    )

    main, extra = _cpv_codes(nature.get("codeCPV"))
    # Buyers sometimes type their codes in the wrong field (26-7298 puts two CPV codes in
    # "categorieAcheteur"): those count as additional codes.
    extra += cpvs_in(procedure.get("categorieAcheteur"))
    details.cpv_main = main
    details.cpv_additional = [c for c in dedupe(extra) if c != main]

    _read_places(details, nature, description)
    details.lots = _lots(body.get("lots"), details)
    if details.cpv_main is None:
        codes = dedupe(code for lot in details.lots for code in lot.cpv)
        if codes:
            details.cpv_main, details.cpv_additional = codes[0], dedupe(
                [*codes[1:], *details.cpv_additional]
            )
    details.amount_eur = _estimate(nature.get("valeurEstimee")) or _sum(
        [lot.amount_eur for lot in details.lots]
    )

    reservation = nature.get("reservationMarche")
    if isinstance(reservation, dict) and "oui" in reservation:
        details.reserved = True
        node = reservation["oui"]
        # The beneficiary may be told by a key ({"oui": {"esat": ""}}) or by a text.
        details.reservation_texts.extend([*_all_keys(node), *walk_strings(node)])
    details.winners = _winners(body)
    return details


def _keys(node: Any) -> list[str]:
    return list(node) if isinstance(node, dict) else []


def _all_keys(node: Any) -> list[str]:
    found: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.extend(k for k in item if not k.startswith("@"))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _cpv_codes(node: Any) -> tuple[str | None, list[str]]:
    """``codeCPV.objetPrincipal.classPrincipale`` is the main code; every other code in
    the node (supplementary classes, complementary objects) is additional."""
    if not isinstance(node, dict):
        return None, []
    main = cpv(get(node, "objetPrincipal", "classPrincipale"))
    others = [cpv(value) for value in walk_strings(node)]
    return main, [c for c in dedupe(others) if c and c != main]


def _read_places(details: NoticeDetails, nature: dict[str, Any],
                 description: dict[str, Any]) -> None:
    label = text(nature.get("lieuExecution"))
    if label:
        details.places.append(Place(label=label))
    structured = description.get("lieuExecutionLivraison")
    if isinstance(structured, dict):
        details.places.append(
            Place(
                label=text(get(structured, "voie", "nomvoie")),
                postcode=text(structured.get("cp")),
                city=text(structured.get("ville")),
            )
        )


def _lots(node: Any, details: NoticeDetails) -> list[Lot]:
    lots: list[Lot] = []
    for index, lot in enumerate(as_list(get(node, "lot")), start=1):
        if not isinstance(lot, dict):
            continue
        main, extra = _cpv_codes(lot.get("codeCPV"))
        lots.append(
            Lot(
                number=text(lot.get("numero")) or text(lot.get("numLot")) or str(index),
                title=text(lot.get("intitule")) or text(lot.get("description")),
                cpv=dedupe([main, *extra]),
                amount_eur=_estimate(lot.get("estimationValeur")),
            )
        )
        where = text(lot.get("lieuExecutionLivraison"))
        if where:
            details.places.append(Place(label=where))
    return lots


def _estimate(node: Any) -> float | None:
    """``{"valeur": "…"}`` or ``{"fourchette": {"valeurBasse", "valeurHaute"}}``: the
    top of a range is what the buyer may spend."""
    if not isinstance(node, dict):
        return amount(node)
    return amount(node.get("valeur")) or amount(get(node, "fourchette", "valeurHaute"))


def _sum(values: list[float | None]) -> float | None:
    if not values or any(v is None for v in values):
        return None
    return sum(v for v in values if v is not None)


def _winners(body: dict[str, Any]) -> list[Winner]:
    """Award sections name their holders ``titulaire`` (one or several per decision)."""
    winners: list[Winner | None] = []
    stack: list[Any] = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            for key, value in item.items():
                if key == "titulaire":
                    winners.extend(_holder(h, item) for h in as_list(value) if isinstance(h, dict))
                else:
                    stack.append(value)
    return [w for w in winners if w is not None]


def _holder(holder: dict[str, Any], decision: dict[str, Any]) -> Winner | None:
    name = text(holder.get("denomination")) or text(holder.get("nomOfficiel")) or text(
        holder.get("nom")
    )
    if not name:
        return None
    return Winner(
        name=name,
        siret=siret(holder.get("siret")) or siret(holder.get("codeIdentificationNational")),
        lot=text(decision.get("numLot")) or text(decision.get("numero")),
        amount_eur=amount(decision.get("montant")) or _estimate(decision.get("valeur")),
    )
