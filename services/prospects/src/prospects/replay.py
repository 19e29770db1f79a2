"""Replaying old notices as if published today (demos on the shipped samples).

The samples are real but old: every deadline is past, so no lead could exist. Replaying
moves the publication date to today and every date of the notice by the same number of
days, which keeps what matters for matching (the time left to answer) as it really was.
"""

from __future__ import annotations

from datetime import date, timedelta

from chantiers_common.events.prospects import Tender


def replayed(tender: Tender, today: date) -> Tender:
    anchor = tender.published_on or (tender.deadline.date() if tender.deadline else None)
    if anchor is None:
        return tender
    shift = timedelta(days=(today - anchor).days)
    return tender.model_copy(update={
        "published_on": tender.published_on + shift if tender.published_on else None,
        "deadline": tender.deadline + shift if tender.deadline else None,
    })
