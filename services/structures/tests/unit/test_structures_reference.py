"""Reference data read in place: sector taxonomy, departments and regions, communes."""

import pytest

from structures.reference import (
    load_communes,
    load_taxonomy,
    load_territories,
    normalise_department_code,
    normalise_place_name,
)


def test_taxonomy_has_20_groups_and_154_sectors_with_unique_slugs():
    taxonomy = load_taxonomy()
    assert len(taxonomy.groups) == 20
    assert len(taxonomy) == 154
    assert len({sector.slug for sector in taxonomy}) == 154


def test_sectors_know_their_group():
    taxonomy = load_taxonomy()
    maraichage = taxonomy.get("maraichage")
    assert maraichage is not None
    assert maraichage.name == "Maraîchage, légumerie, conserverie"
    assert maraichage.group.name == "Agro-Alimentaire"
    green = taxonomy.get("creation-et-entretien-des-espaces-verts")
    assert green.group.name == "Espaces verts & extérieurs"


def test_catch_all_sectors_are_the_autre_ones():
    taxonomy = load_taxonomy()
    catch_alls = {sector.slug for sector in taxonomy if sector.is_catch_all}
    assert "autre-85" in catch_alls and "autre" in catch_alls
    assert all(taxonomy.get(slug).name.startswith("Autre") for slug in catch_alls)
    assert not taxonomy.get("maraichage").is_catch_all


def test_close_matches_help_people_who_mistyped_a_slug():
    assert "maraichage" in load_taxonomy().close_matches("maraichages")


def test_departments_know_their_region():
    territories = load_territories()
    assert territories.region_of("21").name == "Bourgogne-Franche-Comté"
    assert territories.region_of("2A").code == "94"
    assert territories.region_of("974").name == "La Réunion"
    # Saint-Pierre-et-Miquelon has SIAE in the registry but no region.
    assert territories.department("975") is not None
    assert territories.region_of("975") is None
    assert territories.department("20") is None
    assert territories.departments_of_region("94") == ["2A", "2B"]


@pytest.mark.parametrize(("raw", "code"), [("1", "01"), ("2a", "2A"), (" 974 ", "974")])
def test_department_codes_are_normalised(raw, code):
    assert normalise_department_code(raw) == code


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Saint-Omer Cedex", "SAINT OMER"),
        ("ST AMAND MONTROND", "SAINT AMAND MONTROND"),
        ("Ste-Foy-lès-Lyon", "SAINTE FOY LES LYON"),
        ("L'Isle-d'Abeau", "L ISLE D ABEAU"),
        ("Paris 11e", "PARIS 11"),
        ("Lyon 3ème", "LYON 03"),
        ("Œuilly", "OEUILLY"),
        ("ROISSY CDG CEDEX 1", "ROISSY CDG"),
    ],
)
def test_place_names_are_normalised(raw, key):
    assert normalise_place_name(raw) == key


@pytest.mark.parametrize(
    ("post_code", "city", "insee"),
    [
        ("93230", "Romainville", "93063"),  # one commune for the post code
        ("62600", "BERCK SUR MER", "62108"),  # La Poste says "BERCK"
        ("62501", "Saint-Omer Cedex", "62765"),  # CEDEX post code: found by name
        ("75011", "Paris", "75111"),  # arrondissement from the post code
        ("69003", "Lyon 3e", "69383"),
        ("13009", "Marseille", "13209"),
        ("75700", "PARIS CEDEX 07", "75056"),  # no usable post code: Paris as a whole
        ("18200", "St-Amand-Montrond", "18197"),  # abbreviated, with hyphens
    ],
)
def test_communes_are_found_from_post_code_and_city(post_code, city, insee):
    commune = load_communes().find(post_code, city)
    assert commune is not None and commune.insee == insee


def test_a_post_code_serving_several_communes_needs_the_name():
    communes = load_communes()
    # 17160 serves 18 communes, none called Matha in the 2022 base.
    assert communes.find("17160", "Matha") is None
    assert communes.find("17160", "Brie-sous-Matha").insee == "17067"


def test_communes_carry_coordinates_and_department():
    commune = load_communes().get("62765")
    assert commune.department == "62"
    assert 50.7 < commune.lat < 50.8 and 2.2 < commune.lon < 2.3
    assert load_communes().get("97411").department == "974"
