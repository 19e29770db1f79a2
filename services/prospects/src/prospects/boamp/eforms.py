"""Reader of eForms notices as BOAMP publishes them since 2023: ``{"EFORMS":
{"ContractNotice" | "ContractAwardNotice" | "PriorInformationNotice": <UBL as JSON>}}``.

Organisations are listed once (``efac:Organizations``) and referred to by id (ORG-0001)
from the buyer, the tendering parties and the results; coded values carry their code list
in ``@listName`` (``cpv``, ``nuts``, ``reserved-procurement``…), which this reader relies
on rather than on exact paths that differ between notice subtypes.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from chantiers_common.events.prospects import Lot, Winner

from .buyer_kind import kind_from_code
from .details import NoticeDetails, Place
from .values import amount, as_list, cpv, dedupe, get, parse_deadline, siret, text

EXTENSION = ("ext:UBLExtensions", "ext:UBLExtension", "ext:ExtensionContent",
             "efext:EformsExtension")
# Participation reserved to "sheltered workshops and economic operators aiming at the
# social and professional integration of disabled or disadvantaged persons" (art. 20 of
# directive 2014/24): French law splits it into EA/ESAT and SIAE reservations.
RESERVED_CODES = {"res-ws"}
# The procurement aims at a social objective (BT-06 "strategic procurement").
SOCIAL_STRATEGIC = {"soc-obj"}


def notice_of(donnees: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    root = donnees.get("EFORMS")
    if not isinstance(root, dict):
        return None
    for key, value in root.items():
        if isinstance(value, dict):
            return key, value
    return None


def read(donnees: dict[str, Any]) -> NoticeDetails:
    found = notice_of(donnees)
    if found is None:
        return NoticeDetails(schema="eforms")
    kind, notice = found
    details = NoticeDetails(schema=f"eforms/{kind}")
    extension = get(notice, *EXTENSION) or {}
    organisations = _organisations(extension)
    project = notice.get("cac:ProcurementProject") or {}
    lots_nodes = [
        n for n in as_list(notice.get("cac:ProcurementProjectLot")) if isinstance(n, dict)
    ]

    party = next(iter(as_list(notice.get("cac:ContractingParty"))), {}) or {}
    buyer_id = text(get(party, "cac:Party", "cac:PartyIdentification", "cbc:ID"))
    buyer = organisations.get(buyer_id or "")
    if buyer:
        details.buyer_name, details.buyer_siret = buyer
    details.buyer_kind = kind_from_code(
        text(get(party, "cac:ContractingPartyType", "cbc:PartyTypeCode"))
    )

    details.title = text(project.get("cbc:Name"))
    details.description = text(project.get("cbc:Description"))
    details.procedure = text(get(notice, "cac:TenderingProcess", "cbc:ProcedureCode"))
    details.market_types = dedupe(
        _MARKET_TYPES.get(text(p.get("cbc:ProcurementTypeCode")) or "")
        for p in [project, *(lot.get("cac:ProcurementProject") or {} for lot in lots_nodes)]
    )

    codes = _codes(notice)
    details.cpv_main = cpv(get(project, "cac:MainCommodityClassification",
                               "cbc:ItemClassificationCode"))
    details.cpv_additional = [
        c for c in dedupe(cpv(code) for code in codes["cpv"]) if c != details.cpv_main
    ]
    if details.cpv_main is None and details.cpv_additional:
        details.cpv_main = details.cpv_additional.pop(0)

    for node in [project, *(lot.get("cac:ProcurementProject") or {} for lot in lots_nodes)]:
        for location in as_list(node.get("cac:RealizedLocation")):
            address = get(location, "cac:Address") or {}
            details.places.append(
                Place(label=text(get(location, "cbc:Description")) if not address else None,
                      postcode=text(address.get("cbc:PostalZone")),
                      city=text(address.get("cbc:CityName")))
            )
            details.nuts.append(text(address.get("cbc:CountrySubentityCode")) or "")
    details.nuts = dedupe(details.nuts)

    details.lots = [_lot(node) for node in lots_nodes]
    deadlines = [
        parse_deadline(
            get(node, "cac:TenderingProcess", "cac:TenderSubmissionDeadlinePeriod", "cbc:EndDate"),
            time_value=get(node, "cac:TenderingProcess", "cac:TenderSubmissionDeadlinePeriod",
                           "cbc:EndTime"),
        )
        for node in lots_nodes
    ]
    details.deadline = min((d for d in deadlines if d), default=None)

    results = extension.get("efac:NoticeResult") or {}
    details.winners = _winners(results, organisations)
    details.amount_eur = (
        amount(results.get("cbc:TotalAmount"))
        or amount(results.get("efbc:OverallMaximumFrameworkContractsAmount"))
        or _requested_total(project)
        or _sum([lot.amount_eur for lot in details.lots])
    )

    reserved = set(codes["reserved-procurement"]) & RESERVED_CODES or "yes" in codes[
        "reserved-execution"]
    if reserved:
        details.reserved = True
    details.social = bool(set(codes["strategic-procurement"]) & SOCIAL_STRATEGIC) or any(
        code != "none" for code in codes["social-objective"]
    )
    return details


_MARKET_TYPES = {"works": "TRAVAUX", "supplies": "FOURNITURES", "services": "SERVICES"}


def _organisations(extension: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    """ORG-xxxx → (name, SIRET)."""
    found: dict[str, tuple[str, str | None]] = {}
    for node in as_list(get(extension, "efac:Organizations", "efac:Organization")):
        company = get(node, "efac:Company") or {}
        identifier = text(get(company, "cac:PartyIdentification", "cbc:ID"))
        name = text(get(company, "cac:PartyName", "cbc:Name"))
        if identifier and name:
            found[identifier] = (
                name, siret(get(company, "cac:PartyLegalEntity", "cbc:CompanyID"))
            )
    return found


def _codes(notice: dict[str, Any]) -> dict[str, list[str]]:
    """Every coded value of the notice by its code list (``@listName``)."""
    found: dict[str, list[str]] = defaultdict(list)
    stack: list[Any] = [notice]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            list_name = item.get("@listName")
            if isinstance(list_name, str):
                value = text(item.get("#text"))
                if value:
                    found[list_name].append(value)
            stack.extend(v for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _lot(node: dict[str, Any]) -> Lot:
    project = node.get("cac:ProcurementProject") or {}
    main = cpv(get(project, "cac:MainCommodityClassification", "cbc:ItemClassificationCode"))
    extra = [
        cpv(get(item, "cbc:ItemClassificationCode"))
        for item in as_list(project.get("cac:AdditionalCommodityClassification"))
    ]
    return Lot(
        number=text(node.get("cbc:ID")),
        title=text(project.get("cbc:Name")),
        cpv=dedupe([main, *extra]),
        amount_eur=_requested_total(project),
    )


def _requested_total(project: dict[str, Any]) -> float | None:
    total = project.get("cac:RequestedTenderTotal") or {}
    return amount(total.get("cbc:EstimatedOverallContractAmount")) or amount(
        get(total, *EXTENSION, "efbc:FrameworkMaximumAmount")
    )


def _sum(values: list[float | None]) -> float | None:
    if not values or any(v is None for v in values):
        return None
    return sum(v for v in values if v is not None)


def _by_id(nodes: Any) -> dict[str, dict[str, Any]]:
    return {
        text(get(node, "cbc:ID")) or "": node for node in as_list(nodes) if isinstance(node, dict)
    }


def _winners(results: dict[str, Any],
             organisations: dict[str, tuple[str, str | None]]) -> list[Winner]:
    """Winning results → their tender → its tendering party → the tenderers (not the
    subcontractors) → the organisations' names and SIRETs."""
    tenders = _by_id(results.get("efac:LotTender"))
    parties = _by_id(results.get("efac:TenderingParty"))
    winners: list[Winner] = []
    for result in as_list(results.get("efac:LotResult")):
        if not isinstance(result, dict) or text(result.get("cbc:TenderResultCode")) != "selec-w":
            continue
        lot = text(get(result, "efac:TenderLot", "cbc:ID"))
        for reference in as_list(result.get("efac:LotTender")):
            tender = tenders.get(text(get(reference, "cbc:ID")) or "") or {}
            value = amount(get(tender, "cac:LegalMonetaryTotal", "cbc:PayableAmount")) or amount(
                get(result, "efac:FrameworkAgreementValues", "cbc:MaximumValueAmount")
            )
            party = parties.get(text(get(tender, "efac:TenderingParty", "cbc:ID")) or "") or {}
            for tenderer in as_list(party.get("efac:Tenderer")):
                organisation = organisations.get(text(get(tenderer, "cbc:ID")) or "")
                if organisation:
                    name, number = organisation
                    winners.append(Winner(name=name, siret=number, lot=lot, amount_eur=value))
    return winners
