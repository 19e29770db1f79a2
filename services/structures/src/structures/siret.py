"""SIRET and SIREN: format and check digits.

The checks are python-stdnum's (Luhn on the SIREN and on the SIRET, and the La Poste
exception: establishments of SIREN 356 000 000, except the head office, only need the sum
of their digits to be a multiple of 5). This module turns its exceptions into reasons a
person can read, because a SIRET rejected without saying why gets typed again, wrong.
"""

from __future__ import annotations

from stdnum import luhn
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError
from stdnum.fr import siret as stdnum_siret

LA_POSTE_SIREN = "356000000"


class InvalidSiret(ValueError):
    """A SIRET that cannot be right; ``reason`` is a stable code, ``message`` is French."""

    def __init__(self, value: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.value = value
        self.reason = reason
        self.message = message


def compact(value: str) -> str:
    """Strip the spaces, dots and dashes people type inside a SIRET."""
    return stdnum_siret.compact(value)


def validate_siret(value: str) -> str:
    """Return the SIRET as 14 digits, or raise :class:`InvalidSiret` saying why."""
    number = compact(value)
    try:
        return stdnum_siret.validate(number)
    except InvalidLength:  # before InvalidFormat, of which it is a subclass
        raise InvalidSiret(
            value,
            "length",
            f"le SIRET doit compter 14 chiffres (reçu : {len(number)} chiffres)",
        ) from None
    except InvalidFormat:
        raise InvalidSiret(
            value, "format", f"le SIRET ne doit contenir que des chiffres (reçu : « {value} »)"
        ) from None
    except InvalidChecksum:
        raise InvalidSiret(value, _checksum_reason(number), _checksum_message(number)) from None
    except ValidationError as exc:  # any other stdnum refusal, reported as it is
        raise InvalidSiret(value, "invalid", f"SIRET invalide : {exc}") from None


def is_valid_siret(value: str) -> bool:
    try:
        validate_siret(value)
    except InvalidSiret:
        return False
    return True


def siren_of(siret: str) -> str:
    """The SIREN (legal unit) is the first 9 digits of the SIRET (establishment)."""
    return compact(siret)[:9]


def _checksum_reason(number: str) -> str:
    # stdnum checks the whole SIRET first, then the SIREN inside it: say which one failed.
    if number.startswith(LA_POSTE_SIREN):
        return "checksum_la_poste"
    if not luhn.is_valid(number[:9]):
        return "siren_checksum"
    return "checksum"


def _checksum_message(number: str) -> str:
    reason = _checksum_reason(number)
    if reason == "checksum_la_poste":
        return (
            f"SIRET de La Poste invalide : la somme des chiffres de {number} "
            "doit être un multiple de 5"
        )
    if reason == "siren_checksum":
        return (
            f"SIRET invalide : la clé de contrôle (Luhn) du SIREN {number[:9]} est fausse"
        )
    return f"SIRET invalide : la clé de contrôle (Luhn) de {number} est fausse"
