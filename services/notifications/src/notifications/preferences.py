"""What one contact wants to receive, built from the ``Contact`` carried by structures events.

The contract is the structures service's view of a contact; this module turns it into the
few facts the notification policy needs, and holds the filters (minimum score, sectors,
lead kinds) so that the policy and the digest builder apply exactly the same ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chantiers_common.events.common_types import AlertMode, LeadKind
from chantiers_common.events.matching import Lead
from chantiers_common.events.structures import Contact

# A contact in "immediate" mode who did not choose an alert score gets an alert only for
# leads this strong; weaker ones wait for the daily digest. 80/100 is roughly "several
# observable signals agree" in the matching score, which keeps alerts rare enough to be read.
DEFAULT_ALERT_SCORE = 80
# More alerts than this in one day train people to ignore them; the rest go to the digest.
DEFAULT_DAILY_ALERT_CAP = 5


class FilterMiss(StrEnum):
    """Why a lead does not interest a contact, whatever the lead's event."""

    BELOW_MIN_SCORE = "below_min_score"
    SECTOR_NOT_FOLLOWED = "sector_not_followed"
    KIND_NOT_FOLLOWED = "kind_not_followed"


@dataclass(frozen=True, slots=True)
class ContactPrefs:
    contact_id: str
    structure_siret: str
    email: str
    name: str | None
    mode: AlertMode
    min_score: int
    alert_score: int
    daily_alert_cap: int
    # Empty means "everything", as in the contract.
    sectors: frozenset[str]
    lead_kinds: frozenset[LeadKind]
    unsubscribed: bool

    @classmethod
    def from_contact(
        cls,
        contact: Contact,
        *,
        default_alert_score: int = DEFAULT_ALERT_SCORE,
        daily_alert_cap: int = DEFAULT_DAILY_ALERT_CAP,
    ) -> ContactPrefs:
        alert_score = (
            contact.alert_score if contact.alert_score is not None else (default_alert_score)
        )
        return cls(
            contact_id=contact.id,
            structure_siret=contact.structure_siret,
            email=contact.email,
            name=contact.name,
            mode=contact.alert_mode,
            min_score=contact.min_score,
            # An alert threshold below the minimum score would alert on leads the contact
            # asked never to see.
            alert_score=max(alert_score, contact.min_score),
            daily_alert_cap=daily_alert_cap,
            sectors=frozenset(contact.sectors),
            lead_kinds=frozenset(contact.lead_kinds),
            unsubscribed=contact.unsubscribed_at is not None,
        )

    @property
    def receives_anything(self) -> bool:
        return not self.unsubscribed and self.mode is not AlertMode.OFF

    @property
    def digest_mode(self) -> AlertMode | None:
        """The digest this contact gets: immediate-mode contacts get the daily one for
        the leads that were not worth (or no longer allowed) an alert."""
        if not self.receives_anything:
            return None
        if self.mode is AlertMode.IMMEDIATE:
            return AlertMode.DAILY
        return self.mode

    def filter_miss(self, lead: Lead) -> FilterMiss | None:
        """The first filter the lead fails, or None when the contact wants it."""
        if lead.score < self.min_score:
            return FilterMiss.BELOW_MIN_SCORE
        if self.lead_kinds and lead.kind not in self.lead_kinds:
            return FilterMiss.KIND_NOT_FOLLOWED
        if self.sectors and not self._lead_sectors(lead) & self.sectors:
            # A lead with no sector at all is unknown, not a mismatch, for matching; but a
            # contact who chose sectors asked to see only those, so it is left out here.
            return FilterMiss.SECTOR_NOT_FOLLOWED
        return None

    def wants(self, lead: Lead) -> bool:
        return self.receives_anything and self.filter_miss(lead) is None

    @staticmethod
    def _lead_sectors(lead: Lead) -> set[str]:
        found = set(lead.sectors)
        if lead.sector:
            found.add(lead.sector)
        return found
