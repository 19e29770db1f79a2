"""Versioned event contracts shared by every service (the only code they share)."""

from .envelope import Contract, Envelope
from .registry import (
    CONTRACTS,
    InvalidEvent,
    UnknownEvent,
    contract_for,
    json_schemas,
    parse_envelope,
)

__all__ = [
    "CONTRACTS",
    "Contract",
    "Envelope",
    "InvalidEvent",
    "UnknownEvent",
    "contract_for",
    "json_schemas",
    "parse_envelope",
]
