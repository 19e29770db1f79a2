"""Reserved markets and insertion markets.

No shipped notice is reserved (every one says ``MARCHE_RESERVE_NON`` or
``reservationMarche: non``), so these tests take real records and change only the part
that says it, in the shape each schema uses; the rest of the notice stays real."""

from __future__ import annotations

import json
from typing import Any

from chantiers_common.settings import data_dir
from prospects.boamp import parse_record, read_records
from prospects.boamp.signals import read_signals

BOAMP = data_dir() / "boamp"


def _record(file: str, idweb: str) -> dict[str, Any]:
    return next(r for r in read_records(BOAMP / file) if r["idweb"] == idweb)


def _with_donnees(raw: dict[str, Any], change) -> dict[str, Any]:
    donnees = json.loads(raw["donnees"])
    change(donnees)
    return raw | {"donnees": json.dumps(donnees, ensure_ascii=False)}


def test_eforms_reserved_participation_code() -> None:
    raw = _record("boamp_eforms_2025_award_1record.json", "25-143062")
    assert not parse_record(raw).reserved_siae

    def reserve(text: str | None):
        def change(donnees: dict[str, Any]) -> None:
            lot = donnees["EFORMS"]["ContractAwardNotice"]["cac:ProcurementProjectLot"][0]
            lot["cac:TenderingTerms"]["cac:TendererQualificationRequest"] = {
                "cac:SpecificTendererRequirement": {
                    "cbc:TendererRequirementTypeCode": {
                        "@listName": "reserved-procurement", "#text": "res-ws"},
                    **({"cbc:Description": {"@languageID": "FRA", "#text": text}} if text else {}),
                }
            }
        return change

    siae = parse_record(_with_donnees(raw, reserve(
        "Marché réservé aux structures d'insertion par l'activité économique (L. 2113-13)")))
    assert (siae.reserved_siae, siae.reserved_disabled) == (True, False)
    esat = parse_record(_with_donnees(raw, reserve(
        "Marché réservé aux entreprises adaptées et aux ESAT")))
    assert (esat.reserved_siae, esat.reserved_disabled) == (False, True)
    # res-ws alone covers both French reservations: both are reported.
    both = parse_record(_with_donnees(raw, reserve(None)))
    assert (both.reserved_siae, both.reserved_disabled) == (True, True)
    # res-pub-ser (organisations with a public-service mission) is neither.
    def public_service(donnees: dict[str, Any]) -> None:
        reserve(None)(donnees)
        lot = donnees["EFORMS"]["ContractAwardNotice"]["cac:ProcurementProjectLot"][0]
        requirement = lot["cac:TenderingTerms"]["cac:TendererQualificationRequest"]
        requirement["cac:SpecificTendererRequirement"]["cbc:TendererRequirementTypeCode"][
            "#text"] = "res-pub-ser"
    other = parse_record(_with_donnees(raw, public_service))
    assert (other.reserved_siae, other.reserved_disabled) == (False, False)


def test_fns_reservation_flag() -> None:
    raw = _record("boamp_full_records_45.json", "26-7298")

    def reserved(node: Any):
        def change(donnees: dict[str, Any]) -> None:
            donnees["FNSimple"]["initial"]["natureMarche"]["reservationMarche"] = {"oui": node}
        return change

    siae = parse_record(_with_donnees(raw, reserved(
        {"reserveSIAE": "Marché réservé aux SIAE (article L. 2113-13 du CCP)"})))
    assert siae.reserved_siae and not siae.reserved_disabled
    unspecified = parse_record(_with_donnees(raw, reserved("")))
    assert unspecified.reserved_siae and unspecified.reserved_disabled


def test_legacy_reserved_market_before_2016_is_for_sheltered_workshops() -> None:
    raw = _record("boamp_full_records_45.json", "15-31441")  # published 2015-03

    def change(donnees: dict[str, Any]) -> None:
        donnees["CONDITION_PARTICIPATION"] = {"MARCHE_RESERVE_OUI": ""}

    tender = parse_record(_with_donnees(raw, change))
    assert (tender.reserved_siae, tender.reserved_disabled) == (False, True)


def test_insertion_market_and_false_friends() -> None:
    raw = _record("boamp_full_records_45.json", "26-7109")

    def insertion(donnees: dict[str, Any]) -> None:
        donnees["FNSimple"]["initial"]["natureMarche"]["description"] = (
            "Marché d'insertion et de qualification professionnelle : accompagnement de "
            "personnes éloignées de l'emploi sur des chantiers d'espaces verts."
        )

    tender = parse_record(_with_donnees(raw, insertion))
    assert tender.insertion_market and tender.social_criteria
    assert not parse_record(raw).insertion_market
    quiet = read_signals([
        "Les certificats fiscaux et sociaux ne sont plus exigés.",
        "Le pouvoir adjudicateur se réserve le droit de ne pas donner suite.",
        "Déclaration relative à l'emploi des travailleurs handicapés (L. 5212-1).",
        "Procédure adaptée, article 30 du code des marchés publics.",
    ])
    assert quiet == read_signals([])
