"""What structures does with other services' events.

Only one: someone clicked the unsubscribe link of an email, which notifications serves and
has already applied on its side. Structures owns contacts, so it records the date here
(kept, never emailed again) and does not publish it again: notifications knows, and an
echo would only come back. Later ``contact.subscribed`` events for this contact carry the
date, because they are built from the row this handler updates.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common.events import Envelope
from chantiers_common.events.structures import Contact

from . import store

log = logging.getLogger(__name__)

BINDINGS = ("notifications.contact.unsubscribed",)


async def on_contact_unsubscribed(session: AsyncSession, envelope: Envelope[Any]) -> None:
    sent: Contact = envelope.data.contact
    current = await store.find_contact(session, sent.id, lock=True)
    if current is None:
        # Not ours (any more): nothing to record, and retrying would not change that.
        log.warning("unsubscription of unknown contact %s (event %s) ignored",
                    sent.id, envelope.id)
        return
    if current.unsubscribed_at is not None:
        return  # the first date is the one that counts
    when = sent.unsubscribed_at or envelope.occurred_at
    await store.save_contact(session, current.model_copy(update={"unsubscribed_at": when}))


HANDLERS = {"contact.unsubscribed": on_contact_unsubscribed}
