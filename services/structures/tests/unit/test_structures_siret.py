"""SIRET checks: Luhn, La Poste's exception, and the reasons given to people."""

import json

import pytest

from chantiers_common.settings import data_dir
from structures.siret import InvalidSiret, is_valid_siret, siren_of, validate_siret


def test_real_sirets_of_the_registry_are_valid():
    rows = json.loads((data_dir() / "siae/lemarche_01_siaes.json").read_text(encoding="utf-8"))
    sirets = [row["fields"]["siret"] for row in rows]
    valid = [s for s in sirets if is_valid_siret(s)]
    # 13 records of the file carry a wrong check digit (hand-made records, pk > 2600).
    assert len(sirets) - len(valid) == 13
    assert validate_siret("80746931700018") == "80746931700018"


def test_spaces_and_dots_are_ignored():
    assert validate_siret("807 469 317 00018") == "80746931700018"
    assert validate_siret("807.469.317.00018") == "80746931700018"


def test_wrong_check_digit_is_named():
    with pytest.raises(InvalidSiret) as caught:
        validate_siret("38269518700000")  # pk 3822 of the registry
    assert caught.value.reason == "checksum"
    assert "clé de contrôle" in caught.value.message
    assert "38269518700000" in caught.value.message


def test_a_wrong_siren_inside_is_named():
    with pytest.raises(InvalidSiret) as caught:
        validate_siret("12345678901234")
    assert caught.value.reason == "siren_checksum"
    assert "SIREN 123456789" in caught.value.message


def test_la_poste_establishments_only_need_a_digit_sum_multiple_of_5():
    # Not Luhn-valid, but La Poste's rule: 3+5+6+0+…+4+9+8+3+7 = 45.
    assert is_valid_siret("35600000049837")
    # The head office follows Luhn like everyone.
    assert is_valid_siret("35600000000048")
    with pytest.raises(InvalidSiret) as caught:
        validate_siret("35600000049838")
    assert caught.value.reason == "checksum_la_poste"
    assert "multiple de 5" in caught.value.message


@pytest.mark.parametrize(
    ("value", "reason"),
    [("8074693170001", "length"), ("807469317000189", "length"), ("8074693170001A", "format")],
)
def test_format_errors(value, reason):
    with pytest.raises(InvalidSiret) as caught:
        validate_siret(value)
    assert caught.value.reason == reason


def test_siren_is_the_first_nine_digits():
    assert siren_of("807 469 317 00018") == "807469317"
