"""What importing one changed record of the registry file does, decided without I/O.

The importer loads what is stored for a whole chunk of records at once, asks this module
what each record changes, and writes the chunk's changes in a few statements.

Rules:
- a new record registers its structure, its suggested activities and (for demos) a
  contact from the file's address;
- a changed record updates the structure: the file wins for the fields it fills, and
  what staff declared that the file leaves empty is kept (costs, cap rate, a revenue the
  file lacks), as is a deactivation (staff's decision, not the file's);
- suggested activities follow the record; confirmed and rejected ones belong to staff
  (a confirmed one only gets its copy of the structure's place refreshed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chantiers_common.events import Contract
from chantiers_common.events.common_types import AlertMode
from chantiers_common.events.structures import (
    Activity,
    ActivityAdded,
    ActivityChanged,
    ActivityRemoved,
    Contact,
    Structure,
    StructureRegistered,
    StructureUpdated,
)

from .contact_form import contact_id
from .headroom import with_headroom
from .lifecycle import Status, with_structure
from .siae_file import SiaeRecord
from .suggest import suggested_activity


@dataclass(frozen=True)
class StoredActivity:
    activity: Activity
    status: Status
    triggers: tuple[str, ...]


@dataclass
class RecordPlan:
    structure: Structure
    # (activity, status, triggers) to insert or update
    saves: list[tuple[Activity, Status, tuple[str, ...]]] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)  # activity ids
    # For demos; its ``contact.subscribed`` is written only if the contact is inserted.
    contact: Contact | None = None
    events: list[Contract] = field(default_factory=list)  # in publishing order
    activities_added: int = 0


def merged(from_file: Structure, stored: Structure) -> Structure:
    """The file's structure, completed by what is stored where the file says nothing."""
    values = from_file.model_dump()
    kept = stored.model_dump()
    for name, value in values.items():
        if value is None and kept.get(name) is not None:
            values[name] = kept[name]
    if "cap_rate" not in from_file.model_fields_set:  # the file never declares one
        values["cap_rate"] = stored.cap_rate
    values["active"] = stored.active
    return with_headroom(Structure.model_validate(values))


def plan_record(record: SiaeRecord, stored: Structure | None,
                activities: dict[str, StoredActivity], *, demo_contacts: bool,
                now: datetime) -> RecordPlan:
    structure = record.structure if stored is None else merged(record.structure, stored)
    plan = RecordPlan(structure=structure)
    if stored is None:
        plan.events.append(StructureRegistered(structure=structure))
    elif structure != stored:
        plan.events.append(StructureUpdated(structure=structure))
    _plan_activities(plan, record, structure, activities)
    if demo_contacts and stored is None:
        plan.contact = demo_contact(record, now)
    return plan


def _plan_activities(plan: RecordPlan, record: SiaeRecord, structure: Structure,
                     current: dict[str, StoredActivity]) -> None:
    wanted = {}
    for suggestion in record.suggestions:
        activity = suggested_activity(structure, suggestion)
        wanted[activity.id] = (activity, suggestion.triggers)
    for activity_id, (activity, triggers) in wanted.items():
        row = current.get(activity_id)
        if row is not None and row.status is not Status.SUGGESTED:
            continue  # staff decided
        if row is None:
            plan.events.append(ActivityAdded(activity=activity))
            plan.activities_added += 1
        elif row.activity != activity:
            plan.events.append(ActivityChanged(activity=activity))
        elif row.triggers == triggers:
            continue
        plan.saves.append((activity, Status.SUGGESTED, triggers))
    for activity_id, row in current.items():
        if row.status is Status.SUGGESTED and activity_id not in wanted:
            plan.deletes.append(activity_id)
            plan.events.append(ActivityRemoved(activity=row.activity))
        elif row.status is Status.CONFIRMED:
            moved = with_structure(row.activity, structure)
            if moved != row.activity:
                plan.saves.append((moved, Status.CONFIRMED, row.triggers))
                plan.events.append(ActivityChanged(activity=moved))


def demo_contact(record: SiaeRecord, now: datetime) -> Contact | None:
    """A contact from the file's address (fake in the sample file): an immediate alert from
    50/100, the rest (from 30/100) in the daily digest. For demonstrations only."""
    if not record.contact_email:
        return None
    siret = record.structure.siret
    return Contact(
        id=contact_id(siret, record.contact_email), structure_siret=siret,
        email=record.contact_email, name=None, role="contact de démonstration",
        alert_mode=AlertMode.IMMEDIATE, min_score=30, alert_score=50, consent_at=now,
    )
