"""Known structures for volume and fault tests, published on the bus exactly as the
structures service publishes them (the same contracts, the same routing keys), so that a
test controls which leads must exist: one structure per department, one activity whose
area is its department, one contact wanting an immediate alert for every lead."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import aio_pika

from chantiers_common.events import Contract, Envelope
from chantiers_common.events.common_types import AlertMode, GeoPoint, ServiceType
from chantiers_common.events.structures import (
    Activity,
    ActivityAdded,
    Area,
    AreaKind,
    Contact,
    ContactSubscribed,
    Structure,
    StructureRegistered,
)

# Real SIRETs (Luhn-valid) are not needed by matching; these pass the contract's format.
_BASE_SIRET = 10_000_000_000_000


@dataclass(frozen=True)
class KnownStructure:
    siret: str
    department: str
    contact_id: str
    email: str


def _siret(i: int) -> str:
    return f"{_BASE_SIRET + i:014d}"


def known_structures(departments: list[str], sector: str) -> list[tuple[KnownStructure,
                                                                         list[Contract]]]:
    out = []
    for i, department in enumerate(departments, start=1):
        siret = _siret(i)
        structure = Structure(siret=siret, siren=siret[:9], kind="ACI",
                              name=f"Atelier d'insertion {department}", department=department,
                              location=GeoPoint(lat=47.3, lon=5.0))
        activity = Activity(
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"activity:{siret}:{sector}")),
            structure_siret=siret, sector=sector, service_types=[ServiceType.SERVICE],
            area=Area(kind=AreaKind.DEPARTMENTS, codes=[department], departments=[department]),
            status="confirmed", structure_location=structure.location,
            structure_department=department, structure_kind="ACI")
        email = f"atelier{i}@example.org"
        contact = Contact(
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"contact:{siret}")), structure_siret=siret,
            email=email, alert_mode=AlertMode.IMMEDIATE, min_score=0, alert_score=0)
        known = KnownStructure(siret, department, contact.id, email)
        out.append((known, [StructureRegistered(structure=structure),
                            ActivityAdded(activity=activity),
                            ContactSubscribed(contact=contact)]))
    return out


async def publish(amqp_url: str, events: list[Contract]) -> None:
    """Publish as their producer would: persistent, confirmed, mandatory."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.get_exchange("chantiers.events")
        for payload in events:
            envelope = Envelope.wrap(payload)
            await exchange.publish(
                aio_pika.Message(envelope.model_dump_json().encode(),
                                 message_id=str(envelope.id), type=envelope.type,
                                 content_type="application/json",
                                 headers={"x-schema-version": envelope.version},
                                 delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                routing_key=envelope.routing_key, mandatory=True)
