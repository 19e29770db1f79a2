"""Activity suggestions from name, brand, description and NAF code."""

from chantiers_common.events.structures import AreaKind, Structure
from structures.suggest import (
    SUGGESTION_THRESHOLD,
    Suggestion,
    activity_id,
    fold,
    normalise_naf,
    suggest_activities,
    suggested_activity,
)


def sectors(name, brand=None, description=None, naf=None):
    return [s.sector for s in suggest_activities(name, brand, description, naf)]


def test_jardins_de_cocagne_grow_vegetables():
    [suggestion] = suggest_activities("ASSOC JARDIN DE COCAGNE ANGEVIN", None, None, "8899B")
    assert suggestion.sector == "maraichage"
    assert suggestion.confidence >= 0.9
    assert "JARDIN DE COCAGNE" in suggestion.triggers


def test_a_ressourcerie_reuses_and_collects_objects():
    assert sectors("RESSOURCERIE DES MONTS DU LYONNAIS") == [
        "recyclage-delements-dameublement-dae-et-petits-objets",
        "collecte-des-dechets-delements-dameublement-dae-et-petits-objets",
    ]


def test_batiment_means_building_works():
    assert sectors("ASSOC CHANTIER BATIMENT INSERTION") == ["travaux-de-chantiers-74"]


def test_the_typical_aci_naf_code_says_nothing():
    assert suggest_activities("ASSOC ACTIVE", None, None, "8899B") == []
    assert suggest_activities("ASSOC ACTIVE", None, None, "94.99Z") == []


def test_naf_codes_that_name_a_trade_are_evidence():
    [suggestion] = suggest_activities("ASSOC REBOM", None, None, "0113Z")
    assert suggestion == Suggestion("maraichage", 0.85, ("NAF 01.13Z",))
    assert sectors("ASSOC AIBV", naf="81.30Z") == ["creation-et-entretien-des-espaces-verts"]


def test_name_and_naf_agreeing_raise_the_confidence():
    alone = suggest_activities("LES JARDINS DU PRADO", None, None, None)[0].confidence
    both = suggest_activities("LES JARDINS DU PRADO", None, None, "0113Z")[0]
    assert both.confidence > alone
    assert both.triggers == ("JARDINS", "NAF 01.13Z")


def test_triggers_are_quoted_as_written():
    [suggestion] = suggest_activities("Le Jardin", None, "Nous faisons du maraîchage bio.", None)
    assert "maraîchage" in suggestion.triggers


def test_description_counts_less_than_the_name():
    in_name = suggest_activities("Médiation sociale", None, None, None)
    in_description = suggest_activities("X", None, "Médiation sociale", None)
    assert in_description[0].confidence < in_name[0].confidence


def test_restos_du_coeur_are_not_restaurants():
    assert sectors("ASSOC RESTAURANTS ET RELAIS DU COEUR") == []
    assert sectors("RESTAURATION VIEILLES PIERRES") == ["travail-de-la-pierre"]


def test_the_catch_all_sector_gives_way_to_a_specific_one():
    # "récup" alone: Autre (Recyclage); with "ressourcerie": the specific sectors only.
    assert sectors("RECUP ACTIONS 65") == ["autre-85"]
    assert "autre-85" not in sectors("RECUP RESSOURCERIE")


def test_a_generic_naf_code_gives_way_to_the_name():
    # 47.79Z (second-hand shop) alone suggests reuse of objects…
    assert sectors("ASSOC MAXIMUM", naf="4779Z") == [
        "recyclage-delements-dameublement-dae-et-petits-objets"]
    # …but a second-hand clothes shop is textile recycling.
    assert sectors("FRIPERIE SOLIDAIRE", naf="4779Z") == ["recyclage-textiles"]


def test_nothing_below_the_threshold_and_best_first():
    found = suggest_activities("ATELIER SERRES", None, None, None)  # 0.45: not enough alone
    assert found == []
    found = suggest_activities("EVE", "Espaces verts et environnement", "bâtiment", "8121Z")
    assert all(s.confidence >= SUGGESTION_THRESHOLD for s in found)
    assert [s.confidence for s in found] == sorted((s.confidence for s in found), reverse=True)


def test_folding_keeps_the_way_back_to_the_original_text():
    folded, origin = fold("Œuvre d'Été  — Saint-Jean")
    assert folded == "oeuvre d ete saint jean"
    assert len(origin) == len(folded)
    assert origin[folded.index("ete")] == 8


def test_naf_codes_are_normalised():
    assert normalise_naf("8130Z") == "81.30Z"
    assert normalise_naf(" 78.20z ") == "78.20Z"
    assert normalise_naf("") is None and normalise_naf("81") is None


def test_a_suggestion_becomes_a_suggested_activity_with_a_stable_id():
    structure = Structure(siret="80746931700018", siren="807469317", kind="ACI", name="X",
                          department="93")
    activity = suggested_activity(structure, Suggestion("maraichage", 0.85, ("NAF 01.13Z",)))
    assert activity.status == "suggested"
    assert activity.confidence == 0.85
    assert activity.area.kind is AreaKind.RADIUS and activity.area.radius_km == 30
    assert activity.structure_department == "93" and activity.structure_kind == "ACI"
    assert activity.id == activity_id("80746931700018", "maraichage")
    assert activity.id != activity_id("80746931700018", "agriculture")
