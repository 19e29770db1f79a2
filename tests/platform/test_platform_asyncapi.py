"""``docs/asyncapi.yaml`` is what the code generates (CI fails on drift: run `make docs`),
and it is a well-formed AsyncAPI 3 document whose payload schemas validate real events."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from chantiers_cli import asyncapi
from chantiers_common.events import CONTRACTS, Envelope, json_schemas
from chantiers_common.events.common_types import LeadKind
from chantiers_common.events.matching import Lead, LeadScored, LeadUpdated
from chantiers_common.settings import REPO_ROOT

DOC_PATH = REPO_ROOT / "docs" / "asyncapi.yaml"
ID = re.compile(r"^[A-Za-z0-9_\-]+$")  # channel, operation and message ids (AsyncAPI 3)
COMPONENT = re.compile(r"^[a-zA-Z0-9.\-_]+$")
# JSON Schema keywords newer than draft 7, which the AsyncAPI Schema format does not have.
TOO_NEW = {"$defs", "prefixItems", "unevaluatedProperties", "unevaluatedItems",
           "dependentRequired", "dependentSchemas", "$dynamicRef", "$dynamicAnchor"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return yaml.safe_load(DOC_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_the_checked_in_document_is_what_the_code_generates() -> None:
    assert DOC_PATH.exists(), "docs/asyncapi.yaml is missing: run `make docs`"
    assert DOC_PATH.read_text(encoding="utf-8") == asyncapi.render(), (
        "docs/asyncapi.yaml differs from the event contracts: run `make docs` and commit it")


def test_the_check_mode_reports_drift(tmp_path: Path) -> None:
    stale = tmp_path / "asyncapi.yaml"
    stale.write_text("asyncapi: 3.0.0\n")
    assert asyncapi.main([str(stale), "--check"]) == 1
    assert asyncapi.main([str(stale)]) == 0
    assert asyncapi.main([str(stale), "--check"]) == 0


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [
            r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for item in node for r in _refs(item)]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in _keys(v)}
    if isinstance(node, list):
        return {k for item in node for k in _keys(item)}
    return set()


def test_it_is_a_well_formed_asyncapi_3_document(document: dict[str, Any]) -> None:
    assert document["asyncapi"] == "3.0.0"
    assert document["info"]["title"] and document["info"]["version"]
    assert {s["protocol"] for s in document["servers"].values()} == {"amqp"}
    for ref in _refs(document):
        assert _resolve(document, ref) is not None, f"unresolved $ref {ref}"
    for section in ("channels", "operations"):
        assert all(ID.match(key) for key in document[section]), section
    for section, entries in document["components"].items():
        assert all(COMPONENT.match(key) for key in entries), section

    for channel_id, channel in document["channels"].items():
        assert channel["address"] and channel["messages"], channel_id
        assert all(ID.match(key) for key in channel["messages"])
        bindings = _resolve(document, channel["bindings"]["$ref"])["amqp"]
        assert bindings["is"] == "routingKey"
        assert bindings["exchange"] == {"name": "chantiers.events", "type": "topic",
                                        "durable": True, "autoDelete": False, "vhost": "/"}
    for operation_id, operation in document["operations"].items():
        assert operation["action"] == "send", operation_id
        channel_ref = operation["channel"]["$ref"]
        for message in operation["messages"]:
            # An operation's messages must be messages of its own channel.
            assert message["$ref"].startswith(channel_ref + "/messages/"), operation_id
    assert not (_keys(document["components"]["schemas"]) & TOO_NEW)


def test_every_routing_key_of_every_contract_is_a_channel(document: dict[str, Any]) -> None:
    by_address = {c["address"]: c for c in document["channels"].values()}
    expected = {key for c in CONTRACTS.values() for key in c.routing_keys()}
    assert set(by_address) == expected
    producers = {(op["x-producer"], _resolve(document, op["channel"]["$ref"])["address"])
                 for op in document["operations"].values()}
    assert producers == {(p, c.routing_key(p)) for c in CONTRACTS.values()
                         for p in c.producers()}
    messages = document["components"]["messages"]
    assert messages["contact_subscribed_v1"]["x-internal"] is True
    assert by_address["notifications.contact.unsubscribed"]["x-internal"] is True
    assert messages["lead_scored_v1"]["x-internal"] is False
    assert len(messages) == len(CONTRACTS)


def _validator(document: dict[str, Any], message_id: str) -> jsonschema.Draft202012Validator:
    # The whole document is the root, so that '#/components/schemas/…' references resolve.
    payload = document["components"]["messages"][message_id]["payload"]
    schema = {**document, **payload}
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_payload_schemas_are_the_contracts_envelopes(document: dict[str, Any]) -> None:
    lead = Lead(id="l-1", version=1, kind=LeadKind.TENDER, structure_siret="41234567800017",
                prospect_ref="26-112233", title="Entretien des espaces verts",
                counterpart="Ville de Chenôve", score=81, scored_at=datetime.now(UTC))
    scored = Envelope.wrap(LeadScored(lead=lead)).model_dump(mode="json")
    validator = _validator(document, "lead_scored_v1")
    assert list(validator.iter_errors(scored)) == []
    # A lead.updated is not a lead.scored, though their data have the same shape.
    updated = Envelope.wrap(LeadUpdated(lead=lead)).model_dump(mode="json")
    assert not validator.is_valid(updated)
    broken = scored | {"data": {"lead": {**scored["data"]["lead"], "score": 140}}}
    assert not validator.is_valid(broken)
    # Every message's payload is a valid schema, and keeps the contract's fields.
    schemas = json_schemas()
    for contract in CONTRACTS.values():
        message_id = f"{contract.event_type}.v{contract.version}".replace(".", "_")
        _validator(document, message_id)
        resolved = _resolve(document, document["components"]["messages"][message_id]
                            ["payload"]["$ref"])
        assert set(resolved["properties"]) == set(
            schemas[f"{contract.event_type}.v{contract.version}"]["properties"])
