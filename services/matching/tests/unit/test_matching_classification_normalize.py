"""The normaliser makes a title and a lexicon phrase comparable."""

from __future__ import annotations

from matching.classification.normalize import strip_accents, tokens, words


def test_case_accents_and_ligatures_disappear() -> None:
    assert strip_accents("Maîtrise d’Œuvre ÉLAGAGE") == "maitrise d’oeuvre elagage"
    assert tokens("DÉCHETS MÉNAGERS") == tokens("déchets ménagers") == tokens("dechets menagers")


def test_plurals_and_feminines_share_a_stem() -> None:
    assert tokens("espaces verts") == tokens("espace vert")
    assert tokens("travaux forestiers") == tokens("travaux forestière")
    assert tokens("jeux") == tokens("jeu")
    assert tokens("réseaux") == tokens("réseau")
    assert tokens("menuiseries extérieures") == tokens("menuiserie extérieure")
    assert tokens("voie publique") == tokens("voies publics")


def test_stop_words_digits_and_apostrophes_are_dropped() -> None:
    assert words("Entretien des espaces verts de la commune") == [
        "entretien",
        "espaces",
        "verts",
        "commune",
    ]
    assert words("LOT N°5 : d'espaces verts") == ["lot", "espaces", "verts"]
    assert tokens("Entretien des espaces verts") == tokens("ENTRETIEN ESPACES VERTS")


def test_html_entities_are_decoded() -> None:
    assert words("ELECTRICITE &#8211; COURANTS FAIBLES") == ["electricite", "courants", "faibles"]


def test_words_of_different_meaning_keep_different_stems() -> None:
    # Snowball alone would merge each pair; the classifier needs them apart.
    pairs = [
        ("restaurant", "restauration"),
        ("communication", "commune"),
        ("agencement", "agence"),
        ("voirie", "voir"),
        ("enseignement", "enseignes"),
        ("programmation", "programme"),
        ("natura", "nature"),
        ("fleurissement", "fleurs"),
    ]
    for first, second in pairs:
        assert tokens(first) != tokens(second), (first, second)


def test_letters_and_digits_glued_together_are_read_apart() -> None:
    # DECP titles glue lot numbers and references: « LOT1-GROS OEUVRE », « M19062 ».
    assert tokens("LOT1-GROS OEUVRE") == tokens("Lot 1 - gros œuvre")
    assert tokens("lot07 Faux plafonds")[0] == tokens("lot")[0]
    assert tokens("M19062 LOT 8 SOLS") == tokens("LOT 8 SOLS")  # a lone letter says nothing
