"""Known examples: what the classifier must say, and why (LABELING.md)."""

from __future__ import annotations

from matching.classification import MATCH_THRESHOLD, SectorMatch, classify, sector_names

GREEN = "creation-et-entretien-des-espaces-verts"
NATURAL = "entretien-restauration-amenagement-des-espaces-naturels"
WORKS = "travaux-de-chantiers-74"


def kept(title: str, **signals) -> set[str]:
    return {m.slug for m in classify(title, **signals) if m.confidence >= MATCH_THRESHOLD}


def match(slug: str, title: str, **signals) -> SectorMatch:
    return next(m for m in classify(title, **signals) if m.slug == slug)


def test_threshold_is_a_confidence() -> None:
    assert 0.0 < MATCH_THRESHOLD < 1.0


def test_a_green_space_tender_gives_green_spaces_with_its_evidence() -> None:
    matches = classify("Débroussaillement des accotements et entretien des espaces verts")
    assert matches[0].slug == GREEN
    assert matches[0].confidence > 0.9
    assert "mot-clé « espaces verts »" in matches[0].evidence
    assert "mot-clé « débroussaillement »" in matches[0].evidence
    assert NATURAL in {m.slug for m in matches}  # clearing also serves natural areas
    assert [m.confidence for m in matches] == sorted((m.confidence for m in matches), reverse=True)


def test_a_study_of_a_park_is_not_green_space_maintenance() -> None:
    title = "Étude de faisabilité pour l'aménagement paysager du parc municipal"
    assert kept(title) == set()
    damped = match(GREEN, title)
    assert damped.confidence < MATCH_THRESHOLD
    assert any(e.startswith("atténué : le marché commande une étude") for e in damped.evidence)
    # a design contract stays a study even when the buyer coded the works' CPV
    assert (
        kept(
            "Mission de maîtrise d'œuvre pour l'entretien des espaces verts", cpv_codes=["77310000"]
        )
        == set()
    )


def test_negative_titles_yield_no_aci_sector() -> None:
    for title in (
        "Élaboration du Plan Local d'Urbanisme de la commune",
        "Assistance à maîtrise d'ouvrage pour la restructuration du restaurant scolaire",
        "Prestations d'assurance dommages-ouvrage pour la construction du groupe scolaire",
        "Fourniture et acheminement d'électricité pour les bâtiments communaux",
        "Animation du site Natura 2000 des pelouses calcaires",
        "Etude de faisabilité d'un projet de maraîchage urbain",
    ):
        assert kept(title) == set(), title


def test_cpv_codes_with_or_without_check_digit() -> None:
    with_digit = classify("Prestations diverses", cpv_codes=["77310000-6"])
    without = classify("Prestations diverses", cpv_codes=["77310000"])
    assert with_digit == without
    assert with_digit[0].slug == GREEN
    assert with_digit[0].evidence == ("CPV 77310000",)
    # longest prefix wins: 90911000 (cleaning of buildings) rather than 90000000
    assert match("nettoyage-de-locaux-16", "", cpv_codes=["90911200"]).evidence == ("CPV 90911200",)
    assert kept("Prestations diverses", cpv_codes=["71420000"]) == set()  # architecture


def test_boamp_descriptors_by_code_label_or_unknown_label() -> None:
    by_label = classify("Marché 2024-12", descriptors=["Espaces verts"])
    by_code = classify("Marché 2024-12", descriptors=["116"])
    assert by_label == by_code
    assert by_label[0].slug == GREEN
    assert by_label[0].evidence == ("descripteur BOAMP « Espaces verts »",)
    unknown = classify("Marché 2024-12", descriptors=["Débroussaillage"])
    assert {m.slug for m in unknown} == {GREEN, NATURAL}
    assert "(descripteur BOAMP « Débroussaillage »)" in unknown[0].evidence[0]


def test_the_description_counts_less_than_the_title() -> None:
    in_title = match("nettoyage-de-locaux-16", "Nettoyage des locaux")
    in_description = match("nettoyage-de-locaux-16", "Lot 3", description="Nettoyage des locaux.")
    assert in_description.confidence < in_title.confidence
    assert in_description.evidence == ("mot-clé « nettoyage des locaux » (description)",)


def test_the_lot_decides_over_the_operation_name() -> None:
    title = "Réhabilitation partielle d'un restaurant : Lot 4 : Menuiseries extérieures"
    assert kept(title) == {"menuiserie"}
    title = "Création d'un atelier de mécanique automobile : Lot 3 : Gros-oeuvre"
    assert kept(title) == {WORKS}


def test_generic_works_words_give_way_to_a_named_trade() -> None:
    assert kept("Travaux de rénovation du gymnase") == {WORKS}
    assert kept("Travaux de peinture intérieure des écoles") == {"peinture-revetement-des-murs"}
    # a weak trade word is confirmed by the works context
    assert kept("Rénovation des sols de la salle polyvalente") == {"carrelage-revetement-des-sols"}
    # a building alone is no works
    assert kept("Gestion de la piscine municipale") == set()


def test_supply_alone_is_materials_not_the_trade() -> None:
    assert kept("Fourniture de peinture pour les services techniques") == {
        "materiaux-de-construction-83"
    }
    assert "peinture-revetement-des-murs" in kept("Fourniture et pose de peinture de sol")
    assert kept("Fourniture de matériel électrique pour l'éclairage public") == set()


def test_a_named_flow_wins_over_other_waste() -> None:
    assert kept("Enlèvement et valorisation des déchets encombrants") == {"collecte-dencombrants"}
    assert kept("Collecte des ordures ménagères") == {"autre-80"}


def test_context_words_are_not_the_object() -> None:
    assert kept("Restauration de la toiture de l'église") == {WORKS}
    assert kept("Restauration scolaire : fourniture de repas en liaison froide") == {
        "restauration-collective"
    }
    assert "restauration-collective" not in kept("Menuiseries extérieures du restaurant scolaire")


def test_an_intellectual_trade_survives_the_study_words() -> None:
    assert kept("Définition d'une stratégie et d'un plan de communication") == {
        "communication-agence-de-com-39"
    }
    assert kept("Réalisation d'audits énergétiques des bâtiments communaux") == {
        "diagnostics-solutions-energetiques-159"
    }


def test_sector_names_are_the_taxonomy_in_french() -> None:
    names = sector_names()
    assert len(names) == 154
    assert names[GREEN] == "Création et entretien des espaces verts"
    assert names["nettoyage-de-locaux-16"] == "Nettoyage de locaux"


def test_empty_and_odd_inputs() -> None:
    assert classify("") == []
    assert classify("   ", cpv_codes=["", "x"], descriptors=["", "999999"]) == []


def test_the_title_comes_first() -> None:
    # the title names a trade: a sector given only by a (mis-coded) CPV stays under the bar
    assert kept("Nettoyage des locaux de la mairie", cpv_codes=["45000000"]) == {
        "nettoyage-de-locaux-16"
    }
    works = match(WORKS, "Nettoyage des locaux de la mairie", cpv_codes=["45000000"])
    assert works.confidence < MATCH_THRESHOLD
    assert "atténué : le titre nomme un autre métier" in works.evidence
    # a works title without a trade: the notice's descriptors name the trades
    assert kept(
        "Restructuration des locaux du collège",
        descriptors=["Peinture (travaux)", "Menuiserie"],
    ) == {WORKS, "peinture-revetement-des-murs", "menuiserie"}
    # CPV and title agree: more confidence than either alone
    both = match(GREEN, "Entretien des espaces verts", cpv_codes=["77310000"])
    assert both.confidence > match(GREEN, "Entretien des espaces verts").confidence
