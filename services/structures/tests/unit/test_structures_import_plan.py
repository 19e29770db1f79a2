"""What importing one record changes, decided without a database, on real records."""

from datetime import UTC, datetime

import pytest

from chantiers_common.events.common_types import GeoPoint
from chantiers_common.events.structures import (
    ActivityAdded,
    ActivityChanged,
    ActivityRemoved,
    StructureRegistered,
    StructureUpdated,
)
from chantiers_common.settings import data_dir
from structures.import_plan import StoredActivity, merged, plan_record
from structures.lifecycle import Status
from structures.siae_file import read_siae_file

NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def record():
    """A real ACI of the file with two suggested activities and an address."""
    records = read_siae_file(data_dir() / "siae/lemarche_01_siaes.json").records
    return next(r for r in records if len(r.suggestions) >= 2 and r.contact_email
                and r.structure.kind == "ACI" and r.structure.location is not None)


def stored(plan):
    """The activities as the database would hold them after ``plan``."""
    return {a.id: StoredActivity(a, status, triggers) for a, status, triggers in plan.saves}


def types(plan):
    return [type(event) for event in plan.events]


def test_a_new_record_registers_its_structure_and_suggestions(record):
    plan = plan_record(record, None, {}, demo_contacts=True, now=NOW)
    count = len(record.suggestions)
    assert types(plan) == [StructureRegistered] + [ActivityAdded] * count
    assert plan.activities_added == count
    assert all(status is Status.SUGGESTED and triggers for _, status, triggers in plan.saves)
    assert plan.contact is not None and plan.contact.consent_at == NOW
    assert plan_record(record, None, {}, demo_contacts=False, now=NOW).contact is None


def test_the_same_record_again_changes_nothing(record):
    first = plan_record(record, None, {}, demo_contacts=True, now=NOW)
    again = plan_record(record, first.structure, stored(first), demo_contacts=True, now=NOW)
    assert again.events == [] and again.saves == [] and again.deletes == []
    assert again.contact is None  # demo contacts only with a new structure


def test_staff_decisions_survive_a_changed_record(record):
    first = plan_record(record, None, {}, demo_contacts=False, now=NOW)
    by_staff = first.structure.model_copy(update={
        "commercial_costs_eur": 200_000.0, "cap_rate": 0.5, "active": False})
    activities = stored(first)
    confirmed_id, rejected_id = list(activities)[:2]
    activities[confirmed_id] = StoredActivity(activities[confirmed_id].activity,
                                              Status.CONFIRMED, ())
    activities[rejected_id] = StoredActivity(activities[rejected_id].activity,
                                             Status.REJECTED, ())
    moved = record.structure.model_copy(update={
        "name": record.structure.name + " (nouveau nom)",
        "location": GeoPoint(lat=record.structure.location.lat + 0.1,
                             lon=record.structure.location.lon)})
    changed = type(record)(**{**vars(record), "structure": moved})
    plan = plan_record(changed, by_staff, activities, demo_contacts=False, now=NOW)
    assert plan.structure.name.endswith("(nouveau nom)")
    assert (plan.structure.commercial_costs_eur, plan.structure.cap_rate,
            plan.structure.active) == (200_000.0, 0.5, False)
    assert types(plan) == [StructureUpdated, ActivityChanged]  # the confirmed one moved
    (saved, status, _), = plan.saves
    assert saved.id == confirmed_id and status is Status.CONFIRMED
    assert saved.structure_location == moved.location


def test_a_suggestion_the_file_no_longer_makes_is_removed(record):
    first = plan_record(record, None, {}, demo_contacts=False, now=NOW)
    quiet = type(record)(**{**vars(record), "suggestions": record.suggestions[:1]})
    plan = plan_record(quiet, first.structure, stored(first), demo_contacts=False, now=NOW)
    assert types(plan) == [ActivityRemoved] * (len(record.suggestions) - 1)
    assert len(plan.deletes) == len(record.suggestions) - 1


def test_merge_keeps_what_the_file_leaves_empty(record):
    declared = record.structure.model_copy(update={"commercial_revenue_eur": 12_000.0,
                                                   "brand": "Marque déclarée"})
    without = record.structure.model_copy(update={"commercial_revenue_eur": None,
                                                  "brand": None})
    assert merged(without, declared).commercial_revenue_eur == 12_000.0
    assert merged(without, declared).brand == "Marque déclarée"
