"""The life of an activity, and the event each step publishes.

An activity is *suggested* (from the registry file, awaiting staff), *confirmed* (declared
or confirmed by staff) or *rejected* (staff said no, or removed it). A rejected activity
is kept so that a later import does not suggest it again; for matching it is gone
(``activity.removed``). A structure has one activity per sector: its id is derived from
(SIRET, sector), so adding a sector that was suggested or rejected takes that activity over.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chantiers_common.events import Contract
from chantiers_common.events.structures import (
    Activity,
    ActivityAdded,
    ActivityChanged,
    ActivityRemoved,
    Structure,
)

from .errors import Conflict


class Status(StrEnum):
    SUGGESTED = "suggested"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Step:
    """Where an activity goes, and the event that says so (None: nothing changes)."""

    status: Status
    event: type[ActivityAdded | ActivityChanged | ActivityRemoved] | None


def add(current: Status | None) -> Step:
    """Staff declare an activity in a sector."""
    if current is None or current is Status.REJECTED:
        return Step(Status.CONFIRMED, ActivityAdded)
    if current is Status.SUGGESTED:
        return Step(Status.CONFIRMED, ActivityChanged)
    raise Conflict("sector", "activity.exists",
                   "cette structure a déjà une activité dans ce secteur : modifiez-la")


def edit(current: Status) -> Step:
    """Staff change an activity; touching a suggestion makes it theirs (confirmed)."""
    if current is Status.REJECTED:
        raise Conflict("status", "activity.rejected",
                       "activité rejetée ou retirée : déclarez-la de nouveau pour la modifier")
    return Step(Status.CONFIRMED, ActivityChanged)


def confirm(current: Status) -> Step:
    if current is Status.CONFIRMED:
        return Step(Status.CONFIRMED, None)
    if current is Status.REJECTED:  # staff changed their mind: matching sees it again
        return Step(Status.CONFIRMED, ActivityAdded)
    return Step(Status.CONFIRMED, ActivityChanged)


def reject(current: Status) -> Step:
    if current is Status.REJECTED:
        return Step(Status.REJECTED, None)
    if current is Status.CONFIRMED:
        raise Conflict("status", "activity.confirmed",
                       "seule une activité suggérée peut être rejetée ; une activité "
                       "confirmée se retire (DELETE)")
    return Step(Status.REJECTED, ActivityRemoved)


def remove(current: Status) -> Step:
    if current is Status.REJECTED:
        return Step(Status.REJECTED, None)
    return Step(Status.REJECTED, ActivityRemoved)


def published(activity: Activity, status: Status) -> Activity:
    """The activity as its events carry it: a rejected one keeps its last live status
    (the contract knows only suggested and confirmed; ``activity.removed`` says the rest)."""
    if status is Status.REJECTED:
        return activity
    return activity.model_copy(update={
        "status": status.value,
        "confidence": activity.confidence if status is Status.SUGGESTED else None,
    })


def with_structure(activity: Activity, structure: Structure) -> Activity:
    """The activity with its copy of the structure's place and kind refreshed."""
    return activity.model_copy(update={
        "structure_location": structure.location,
        "structure_department": structure.department,
        "structure_kind": structure.kind,
    })


def event(step: Step, activity: Activity) -> Contract | None:
    return None if step.event is None else step.event(activity=activity)
