"""Whether a lead event becomes an immediate alert, waits for a digest, or is left out.

Modes (``Contact.alert_mode``):

- ``immediate``: an alert for every lead at or above the contact's alert score; the other
  leads it wants go to its daily digest;
- ``daily`` / ``weekly``: the digest only;
- ``off`` (or unsubscribed): nothing at all.

In every mode but ``off``, a lead whose deadline is too close for the contact's next digest
(that digest would arrive after "deadline minus 3 business days", the least an ACI needs to
answer a tender) is alerted at once: a late digest is worth nothing.

Two limits keep alerts rare: never two alerts for the same lead to the same contact, and at
most ``daily_alert_cap`` alerts per contact and (Paris) day; what is over the cap goes to
the digest. The decision is pure: the caller says what was already sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from chantiers_common.events.common_types import AlertMode
from chantiers_common.events.matching import Lead, LeadScored, LeadUpdated, LeadWithdrawn

from .preferences import ContactPrefs, FilterMiss
from .schedule import minus_business_days, next_digest_at

# Business days an ACI needs between reading about a tender and its deadline.
URGENCY_MARGIN_BUSINESS_DAYS = 3
# A digest longer than this is not read to the end (the best leads come first), and its
# HTML would pass the 102 kB past which Gmail clips a message, unsubscribe link included.
MAX_DIGEST_LEADS = 15


class LeadChange(StrEnum):
    SCORED = "scored"
    UPDATED = "updated"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class LeadEvent:
    lead: Lead
    change: LeadChange

    @classmethod
    def from_contract(cls, event: LeadScored | LeadUpdated | LeadWithdrawn) -> LeadEvent:
        change = {
            LeadScored: LeadChange.SCORED,
            LeadUpdated: LeadChange.UPDATED,
            LeadWithdrawn: LeadChange.WITHDRAWN,
        }[type(event)]
        return cls(lead=event.lead, change=change)


class Action(StrEnum):
    ALERT = "alert"  # send one immediate alert now
    DIGEST = "digest"  # keep the lead (its latest version) for the contact's next digest
    SKIP = "skip"  # send nothing, and drop the lead from any pending digest


class Reason(StrEnum):
    UNSUBSCRIBED = "unsubscribed"
    MODE_OFF = "mode_off"
    OTHER_STRUCTURE = "other_structure"
    WITHDRAWN = "withdrawn"
    BELOW_MIN_SCORE = FilterMiss.BELOW_MIN_SCORE.value
    SECTOR_NOT_FOLLOWED = FilterMiss.SECTOR_NOT_FOLLOWED.value
    KIND_NOT_FOLLOWED = FilterMiss.KIND_NOT_FOLLOWED.value
    DEADLINE_PASSED = "deadline_passed"
    ALREADY_ALERTED = "already_alerted"
    STRONG_SCORE = "strong_score"
    URGENT_DEADLINE = "urgent_deadline"
    DAILY_CAP_REACHED = "daily_cap_reached"
    FOR_DIGEST = "for_digest"


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    reason: Reason
    # For DIGEST (and ALERT, for information): which digest and when it would leave.
    digest_mode: AlertMode | None = None
    next_digest_at: datetime | None = None
    # The deadline is too close for that digest (also true when the cap sent it there).
    urgent: bool = False


def _skip(reason: Reason) -> Decision:
    return Decision(Action.SKIP, reason)


def _aware_deadline(lead: Lead) -> datetime | None:
    if lead.deadline is None or lead.deadline.tzinfo is not None:
        return lead.deadline
    # Matching sends aware datetimes; a naive one is read as UTC rather than dropped.
    return lead.deadline.replace(tzinfo=UTC)


def is_urgent(lead: Lead, digest_at: datetime) -> bool:
    """Would the digest at ``digest_at`` arrive later than the last useful moment?"""
    deadline = _aware_deadline(lead)
    if deadline is None:
        return False
    return digest_at > minus_business_days(deadline, URGENCY_MARGIN_BUSINESS_DAYS)


def _deadline_passed(lead: Lead, now: datetime) -> bool:
    deadline = _aware_deadline(lead)
    return deadline is not None and deadline <= now


def decide(
    lead_event: LeadEvent,
    contact_prefs: ContactPrefs,
    sent_today: int,
    already_alerted: bool,
    now: datetime,
) -> Decision:
    """What to do for this contact about this lead event.

    ``sent_today``: immediate alerts already sent to this contact on this Paris day;
    ``already_alerted``: an alert for this lead already went to this contact (any day).
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    prefs, lead = contact_prefs, lead_event.lead
    if prefs.unsubscribed:
        return _skip(Reason.UNSUBSCRIBED)
    if prefs.mode is AlertMode.OFF:
        return _skip(Reason.MODE_OFF)
    if lead.structure_siret != prefs.structure_siret:
        return _skip(Reason.OTHER_STRUCTURE)
    if lead_event.change is LeadChange.WITHDRAWN:
        return _skip(Reason.WITHDRAWN)
    miss = prefs.filter_miss(lead)
    if miss is not None:
        # An update can push a lead under the contact's filters: SKIP drops it from the
        # pending digest as well.
        return _skip(Reason(miss.value))
    if _deadline_passed(lead, now):
        return _skip(Reason.DEADLINE_PASSED)
    if already_alerted:
        # The contact already has it in its mailbox; an update does not deserve a second
        # message, nor a line in a digest that should only hold what is new.
        return _skip(Reason.ALREADY_ALERTED)

    digest_mode = prefs.digest_mode
    assert digest_mode is not None  # receives_anything was checked above
    digest_at = next_digest_at(digest_mode, now)
    urgent = is_urgent(lead, digest_at)
    strong = prefs.mode is AlertMode.IMMEDIATE and lead.score >= prefs.alert_score
    if urgent or strong:
        if sent_today >= prefs.daily_alert_cap:
            return Decision(Action.DIGEST, Reason.DAILY_CAP_REACHED, digest_mode, digest_at, urgent)
        reason = Reason.URGENT_DEADLINE if urgent else Reason.STRONG_SCORE
        return Decision(Action.ALERT, reason, digest_mode, digest_at, urgent)
    return Decision(Action.DIGEST, Reason.FOR_DIGEST, digest_mode, digest_at, False)


def select_for_digest(
    pending: Iterable[Lead],
    contact_prefs: ContactPrefs,
    now: datetime,
    *,
    withdrawn: Iterable[str] = (),
    alerted: Iterable[str] = (),
    max_leads: int = MAX_DIGEST_LEADS,
) -> list[Lead]:
    """The leads a digest shows, best first; an empty list means: send no digest.

    ``pending`` may hold several versions of one lead (scored, then updated): the highest
    version wins. Withdrawn leads, leads already alerted, leads whose deadline passed since
    they were queued and leads the contact's current filters reject are left out.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if not contact_prefs.receives_anything:
        return []
    gone = set(withdrawn) | set(alerted)
    latest: dict[str, Lead] = {}
    for lead in pending:
        current = latest.get(lead.id)
        if current is None or lead.version > current.version:
            latest[lead.id] = lead
    kept = [
        lead
        for lead in latest.values()
        if lead.id not in gone
        and lead.structure_siret == contact_prefs.structure_siret
        and contact_prefs.filter_miss(lead) is None
        and not _deadline_passed(lead, now)
    ]
    kept.sort(key=digest_order)
    return kept[:max_leads]


def digest_order(lead: Lead) -> tuple[int, float, str]:
    """Best first: higher score, then the closer deadline (none last), then title."""
    deadline = _aware_deadline(lead)
    when = deadline.timestamp() if deadline else float("inf")
    return (-lead.score, when, lead.title.casefold())
