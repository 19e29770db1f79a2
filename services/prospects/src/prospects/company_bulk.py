"""``companies.bulk_loaded`` events from the companies' JSON documents (no I/O).

A full-stock load publishes hundreds of thousands of companies. The reader already has
each one's JSON (``sirene.documents``, exactly the ``Company`` contract), so an event is
the envelope pydantic writes for the contract with an empty list of companies, and the
documents spliced into that list: no company goes through pydantic one by one. The
outbox rows are written as ``outbox.add`` writes them (see ``outbox._row``).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from typing import Any

from chantiers_common.events import Envelope
from chantiers_common.events.prospects import CompaniesBulkLoaded

OUTBOX_COLUMNS = ("event_id", "event_type", "version", "routing_key", "body", "headers")
_EMPTY = '"companies":[]'


def fingerprint(document: bytes) -> str:
    """What decides whether a company changed: its document, as consumers receive it
    (md5, in hex: what PostgreSQL reads as a uuid)."""
    return hashlib.md5(document, usedforsecurity=False).hexdigest()


def bulk_events(
    documents: Sequence[bytes], *, source: str, batch_id: str, event_size: int,
    headers: dict[str, str],
) -> list[tuple[Any, ...]]:
    """Outbox rows (``OUTBOX_COLUMNS``) of the events carrying ``documents``,
    ``event_size`` at most each, with the trace context ``headers``."""
    rows = []
    trace = json.dumps(headers)
    for number, start in enumerate(range(0, len(documents), event_size), start=1):
        chunk = documents[start : start + event_size]
        envelope = Envelope.wrap(CompaniesBulkLoaded(
            batch_id=f"{batch_id}-{number}", source=source, count=len(chunk)))
        text = envelope.model_dump_json()
        # Inside a JSON string a quote is escaped: the key can only be the real one.
        assert text.count(_EMPTY) == 1, "CompaniesBulkLoaded's companies not found"
        head, tail = text.split(_EMPTY)
        body = f'{head}"companies":[{b",".join(chunk).decode()}]{tail}'
        rows.append((envelope.id, envelope.type, envelope.version, envelope.routing_key,
                     body, trace))
    return rows


def new_batch_prefix() -> str:
    return uuid.uuid4().hex[:12]
