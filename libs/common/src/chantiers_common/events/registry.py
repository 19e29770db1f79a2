"""Every contract by (type, version), and their JSON Schemas."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from . import matching, notifications, prospects, structures
from .envelope import Contract, Envelope


class UnknownEvent(LookupError):
    """The (type, version) pair is not one this code knows."""


class InvalidEvent(ValueError):
    """The message is not a valid envelope for its contract."""


def _contracts() -> list[type[Contract]]:
    found: list[type[Contract]] = []
    for module in (prospects, structures, matching, notifications):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Contract)
                and value is not Contract
                and "event_type" in value.__dict__
            ):
                found.append(value)
    return found


CONTRACTS: dict[tuple[str, int], type[Contract]] = {
    (c.event_type, c.version): c for c in _contracts()
}


def contract_for(event_type: str, version: int) -> type[Contract]:
    try:
        return CONTRACTS[(event_type, version)]
    except KeyError:
        known = sorted(v for (t, v) in CONTRACTS if t == event_type)
        if known:
            raise UnknownEvent(
                f"{event_type} v{version} is not supported (known versions: {known})"
            ) from None
        raise UnknownEvent(f"unknown event type {event_type!r}") from None


def parse_envelope(body: bytes | str | dict[str, Any]) -> Envelope[Any]:
    """Decode and validate a message body against the contract its header names.

    Raises :class:`UnknownEvent` or :class:`InvalidEvent` with a message fit for the
    ``x-dead-letter-reason`` header.
    """
    try:
        raw = body if isinstance(body, dict) else json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidEvent(f"body is not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise InvalidEvent("body is not a JSON object")
    event_type, version = raw.get("type"), raw.get("version")
    if not isinstance(event_type, str) or not isinstance(version, int):
        raise InvalidEvent("envelope lacks a string 'type' and an integer 'version'")
    contract = contract_for(event_type, version)
    try:
        return Envelope[contract].model_validate(raw)  # type: ignore[valid-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidEvent(
            f"{event_type} v{version} invalid at {where}: {first['msg']}"
            f" ({exc.error_count()} error(s))"
        ) from None


def json_schemas() -> dict[str, dict[str, Any]]:
    """One JSON Schema per contract, keyed ``<type>.v<version>``, for the envelope with
    that payload (what a subscriber actually receives). The envelope types ``type`` and
    ``version`` as any string and integer; here each schema is one contract, so they are
    constants: a misrouted event fails validation."""
    schemas = {}
    for c in CONTRACTS.values():
        schema = Envelope[c].model_json_schema(mode="serialization")  # type: ignore[valid-type]
        properties = schema["properties"]
        properties["type"] = properties["type"] | {"const": c.event_type}
        properties["version"] = properties["version"] | {"const": c.version}
        schema |= {"title": f"{c.event_type} v{c.version}", "x-routing-keys": c.routing_keys()}
        schemas[f"{c.event_type}.v{c.version}"] = schema
    return schemas
