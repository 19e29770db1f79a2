"""The AsyncAPI 3 document of the event bus, generated from the contracts registry.

    python -m chantiers_cli.asyncapi docs/asyncapi.yaml          # write it (make docs)
    python -m chantiers_cli.asyncapi docs/asyncapi.yaml --check  # exit 1 if out of date

The registry (``chantiers_common.events.CONTRACTS``) is the only source: every routing key
of every contract is a channel (an AMQP routing key on the ``chantiers.events`` topic
exchange), every contract version a message whose payload is the envelope schema of
``json_schemas()``, every producer a ``send`` operation. Contracts marked ``internal``
(personal data, access control) are documented too, flagged ``x-internal: true``: they are never
forwarded to webhooks, and other systems must not rely on receiving them.

The JSON Schemas that pydantic nests under ``$defs`` are moved to ``components/schemas``
(one copy of ``Lead``, ``Tender``… for the whole document) and their references rewritten,
so that a ``$ref`` means the same thing to any tool reading the document. FastStream's own
generator documents subscribers and publishers of one app; ours needs every contract of
every service, whoever consumes it, so it reads the registry instead.
"""

from __future__ import annotations

import argparse
import copy
import inspect
import json
import sys
from pathlib import Path
from typing import Any

from chantiers_common.bus.messages import CONTENT_TYPE, SCHEMA_VERSION_HEADER
from chantiers_common.bus.topology import EVENTS_EXCHANGE
from chantiers_common.events import CONTRACTS, Contract, json_schemas

ASYNCAPI_VERSION = "3.0.0"
AMQP_BINDING_VERSION = "0.3.0"
SCHEMAS = "#/components/schemas/"

DESCRIPTION = """\
Events of Chantiers agiles (public tenders, companies, SIAE structures, scored leads and
what was sent to ACI staff). Every event is published once on the durable topic exchange
`chantiers.events`, with the routing key `<producer>.<entity>.<fact>`, as a persistent JSON
message whose body is an envelope `{id, type, version, occurred_at, producer, data}`; the
AMQP properties repeat `message_id` (= id) and `type`, the `x-schema-version` header the
version, and the W3C `traceparent` header carries the trace context.

To subscribe, bind a queue of your own to the exchange with the routing keys (or topic
patterns such as `matching.lead.*`) of the channels below, and validate each body against
its message's payload schema. Ignore fields you do not know (minor versions add optional
fields); a new `version` of a type is a new message here. Channels marked
`x-internal: true` carry personal data (staff contacts) or access control (structure
tokens, as hashes; the audit trail) and are for the services of the system only. Systems
that cannot reach the broker can receive the public events as signed HTTP calls instead:
`POST /subscriptions` on the notifications service (see the README).
"""


def _contract_doc(contract: type[Contract]) -> str:
    doc = inspect.getdoc(contract) or ""
    # A contract without its own docstring inherits Contract's, which says nothing of it.
    return "" if doc == inspect.getdoc(Contract) else doc


def _message_id(contract: type[Contract]) -> str:
    return f"{contract.event_type}.v{contract.version}".replace(".", "_")


def _schema_key(contract: type[Contract]) -> str:
    return f"{contract.event_type}.v{contract.version}"


def _channel_id(routing_key: str) -> str:
    return routing_key.replace(".", "_")


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {
            key: (SCHEMAS + renames[value.removeprefix("#/$defs/")]
                  if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/")
                  else _rewrite_refs(value, renames))
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def hoist_schemas() -> dict[str, dict[str, Any]]:
    """``components/schemas``: each contract's envelope schema (``type`` and ``version``
    pinned to that contract's) and every nested definition, once."""
    shared: dict[str, dict[str, Any]] = {}
    envelopes: dict[str, dict[str, Any]] = {}
    by_key = json_schemas()
    for contract in CONTRACTS.values():
        key = _schema_key(contract)
        schema = copy.deepcopy(by_key[key])
        defs = schema.pop("$defs", {})
        renames = {}
        for name, body in defs.items():
            # Same name, other shape (two models called alike): keep both, qualified.
            chosen = name if shared.get(name, body) == body else f"{key}.{name}"
            renames[name] = chosen
        for name, body in defs.items():
            shared[renames[name]] = _rewrite_refs(body, renames)
        envelopes[key] = _rewrite_refs(schema, renames)
    return dict(sorted(shared.items())) | dict(sorted(envelopes.items()))


def _headers_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            SCHEMA_VERSION_HEADER: {"type": "integer", "minimum": 1,
                                    "description": "Schema version of `data` (= version)"},
            "traceparent": {"type": "string",
                            "description": "W3C trace context of the producing operation"},
        },
    }


def build() -> dict[str, Any]:
    contracts = sorted(CONTRACTS.values(), key=lambda c: (c.event_type, c.version))
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    exchange = {"name": EVENTS_EXCHANGE, "type": "topic", "durable": True,
                "autoDelete": False, "vhost": "/"}
    for contract in contracts:
        doc = _contract_doc(contract)
        message_id = _message_id(contract)
        messages[message_id] = {
            "name": contract.event_type,
            "title": f"{contract.event_type} v{contract.version}",
            **({"summary": doc.splitlines()[0], "description": doc} if doc else {}),
            "contentType": CONTENT_TYPE,
            "headers": _headers_schema(),
            "payload": {"$ref": SCHEMAS + _schema_key(contract)},
            "bindings": {"amqp": {"messageType": contract.event_type,
                                  "bindingVersion": AMQP_BINDING_VERSION}},
            "x-internal": contract.internal,
            "x-schema-version": contract.version,
        }
    for contract in contracts:
        message_id = _message_id(contract)
        for producer in contract.producers():
            routing_key = contract.routing_key(producer)
            channel_id = _channel_id(routing_key)
            channel = channels.setdefault(channel_id, {
                "address": routing_key,
                "title": f"{contract.event_type} from {producer}",
                "description": (
                    f"Routing key `{routing_key}` on the `{EVENTS_EXCHANGE}` topic exchange."
                    + (" Internal: personal data or access control, not for other "
                       "systems, never sent to webhooks." if contract.internal else "")),
                "messages": {},
                "bindings": {"$ref": "#/components/channelBindings/events"},
                "x-internal": contract.internal,
            })
            channel["messages"][message_id] = {"$ref": f"#/components/messages/{message_id}"}
            operations[f"{channel_id}_v{contract.version}_send"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "title": f"{producer} publishes {contract.event_type} v{contract.version}",
                "messages": [{"$ref": f"#/channels/{channel_id}/messages/{message_id}"}],
                "bindings": {"$ref": "#/components/operationBindings/publish"},
                "x-producer": producer,
            }
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "Chantiers agiles — events",
            "version": "1.0.0",
            "description": DESCRIPTION,
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "local": {
                "host": "127.0.0.1:5682",
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
                "description": "The local stack (`chantiers stack up`); in production, the "
                               "broker address the operators give you.",
            },
        },
        "channels": dict(sorted(channels.items())),
        "operations": dict(sorted(operations.items())),
        "components": {
            "messages": messages,
            "schemas": hoist_schemas(),
            "channelBindings": {
                "events": {"amqp": {"is": "routingKey", "exchange": exchange,
                                    "bindingVersion": AMQP_BINDING_VERSION}},
            },
            "operationBindings": {
                # Persistent, and mandatory: an event no queue is bound to is an error.
                "publish": {"amqp": {"deliveryMode": 2, "mandatory": True,
                                     "bindingVersion": AMQP_BINDING_VERSION}},
            },
        },
    }


def render(document: dict[str, Any] | None = None) -> str:
    import yaml  # only needed to write the file (make docs, the drift test)

    document = build() if document is None else document
    # JSON round trip: plain types only (no tuples or enums in the YAML).
    plain = json.loads(json.dumps(document))
    header = ("# Generated by `make docs` (python -m chantiers_cli.asyncapi) from the event "
              "contracts.\n# Do not edit: change the contracts and run `make docs` again.\n")
    class Dumper(yaml.SafeDumper):
        pass

    def text_block(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        # Descriptions as readable blocks rather than quoted, folded strings.
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text_block)
    return header + yaml.dump(plain, Dumper=Dumper, sort_keys=False, allow_unicode=True,
                              width=100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the AsyncAPI 3 document of the bus")
    parser.add_argument("path", type=Path)
    parser.add_argument("--check", action="store_true",
                        help="do not write: exit 1 when the file differs from the code")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.exists() else ""
        if current != text:
            print(f"{args.path} is out of date: run `make docs`", file=sys.stderr)
            return 1
        return 0
    args.path.parent.mkdir(parents=True, exist_ok=True)
    args.path.write_text(text, encoding="utf-8")
    print(f"wrote {args.path} ({len(CONTRACTS)} messages)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
