"""An activity's status, and the event each staff action publishes."""

import pytest

from chantiers_common.events.common_types import GeoPoint
from chantiers_common.events.structures import (
    Activity,
    ActivityAdded,
    ActivityChanged,
    ActivityRemoved,
    Area,
    AreaKind,
    Structure,
)
from structures import lifecycle
from structures.errors import Conflict
from structures.lifecycle import Status

S, C, R = Status.SUGGESTED, Status.CONFIRMED, Status.REJECTED


@pytest.mark.parametrize(("action", "current", "status", "event"), [
    (lifecycle.add, None, C, ActivityAdded),
    (lifecycle.add, S, C, ActivityChanged),
    (lifecycle.add, R, C, ActivityAdded),
    (lifecycle.edit, S, C, ActivityChanged),
    (lifecycle.edit, C, C, ActivityChanged),
    (lifecycle.confirm, S, C, ActivityChanged),
    (lifecycle.confirm, C, C, None),
    (lifecycle.confirm, R, C, ActivityAdded),
    (lifecycle.reject, S, R, ActivityRemoved),
    (lifecycle.reject, R, R, None),
    (lifecycle.remove, S, R, ActivityRemoved),
    (lifecycle.remove, C, R, ActivityRemoved),
    (lifecycle.remove, R, R, None),
])
def test_steps(action, current, status, event):
    step = action(current)
    assert (step.status, step.event) == (status, event)


@pytest.mark.parametrize(("action", "current", "code"), [
    (lifecycle.add, C, "activity.exists"),
    (lifecycle.edit, R, "activity.rejected"),
    (lifecycle.reject, C, "activity.confirmed"),
])
def test_refused_steps_say_why(action, current, code):
    with pytest.raises(Conflict) as caught:
        action(current)
    assert caught.value.code == code
    assert caught.value.message  # French, for staff


def activity(**overrides):
    values = dict(id="a1", structure_siret="80746931700018", sector="maraichage",
                  area=Area(kind=AreaKind.RADIUS, radius_km=30), status="suggested",
                  confidence=0.8)
    values.update(overrides)
    return Activity(**values)


def test_a_confirmed_activity_loses_the_suggestion_confidence():
    confirmed = lifecycle.published(activity(), C)
    assert confirmed.status == "confirmed" and confirmed.confidence is None
    assert lifecycle.published(activity(), R) == activity()  # removed as it was


def test_activities_carry_their_structure_place_and_kind():
    structure = Structure(siret="80746931700018", siren="807469317", kind="ACI", name="A",
                          department="21", location=GeoPoint(lat=47.3, lon=5.0))
    moved = lifecycle.with_structure(activity(), structure)
    assert (moved.structure_location, moved.structure_department, moved.structure_kind) == (
        GeoPoint(lat=47.3, lon=5.0), "21", "ACI")
    assert lifecycle.event(lifecycle.remove(S), moved) == ActivityRemoved(activity=moved)
    assert lifecycle.event(lifecycle.remove(R), moved) is None
