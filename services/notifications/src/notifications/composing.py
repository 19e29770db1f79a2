"""Building the bytes of each email, in worker processes.

Composition (lead cards with five signed links each, two templates, MIME) is the
CPU-bound part of sending: about 1.7 ms for a 10-lead digest, which alone would take most
of a core for 10,000 digests. Done in a process pool, it runs beside the event loop that
talks SMTP and to the database. ``compose_processes = 0`` composes in the event loop.

Jobs and results are plain data (JSON of the contracts, bytes), cheap to pickle; each
worker builds its own :class:`Outbound` (the link signer) once.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chantiers_common.events.matching import Lead
from chantiers_common.events.structures import Contact
from chantiers_common.settings import Settings

from .compose import Outbound, alert_parts, digest_parts
from .links import LinkSigner
from .options import NotifyOptions
from .preferences import ContactPrefs

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ComposeJob:
    kind: str  # alert | digest
    period: str | None
    contact: dict[str, Any]  # Contact contract, JSON
    leads: list[dict[str, Any]]  # Lead contracts, JSON, in the delivery's order
    now: datetime
    default_alert_score: int
    daily_alert_cap: int


@dataclass(frozen=True, slots=True)
class Composed:
    message_id: str
    sender: str
    recipient: str
    data: bytes
    lead_ids: list[str]


def compose(job: ComposeJob, outbound: Outbound) -> Composed:
    contact = Contact.model_validate(job.contact)
    prefs = ContactPrefs.from_contact(contact, default_alert_score=job.default_alert_score,
                                      daily_alert_cap=job.daily_alert_cap)
    leads = [Lead.model_validate(lead) for lead in job.leads]
    if job.kind == "alert":
        parts = alert_parts(leads[0], prefs, now=job.now, outbound=outbound)
    else:
        assert job.period is not None
        parts = digest_parts(leads, prefs, period=job.period, now=job.now, outbound=outbound)
    sender, recipient = parts.envelope
    return Composed(parts.message_id, sender, recipient, parts.wire(),
                    [lead.id for lead in leads])


# In each worker process: its own signer, made once by the pool's initializer.
_worker_outbound: Outbound | None = None


def _init_worker(base_url: str, mail_from: str, secret: str,
                 unsubscribe_mailto: str | None) -> None:
    global _worker_outbound
    _worker_outbound = Outbound(base_url=base_url, mail_from=mail_from,
                                signer=LinkSigner(secret),
                                unsubscribe_mailto=unsubscribe_mailto)


def _compose_in_worker(job: ComposeJob) -> Composed:
    assert _worker_outbound is not None, "worker not initialised"
    return compose(job, _worker_outbound)


class Composer:
    def __init__(self, settings: Settings, options: NotifyOptions) -> None:
        self.outbound = Outbound.from_settings(settings)
        self.options = options
        self._secret = settings.secret("link_secret")
        self._pool: ProcessPoolExecutor | None = None

    def job(self, kind: str, period: str | None, contact: dict[str, Any],
            leads: list[dict[str, Any]], now: datetime) -> ComposeJob:
        return ComposeJob(kind, period, contact, leads, now,
                          self.options.default_alert_score, self.options.daily_alert_cap)

    def submit(self, job: ComposeJob) -> asyncio.Future[Composed] | None:
        """Start composing in a worker; None when composing in the event loop."""
        if self.options.compose_processes <= 0:
            return None
        loop = asyncio.get_running_loop()
        try:
            return loop.run_in_executor(self._workers(), _compose_in_worker, job)
        except BrokenProcessPool:
            # A worker died (killed, out of memory): a new pool for the next jobs.
            log.warning("compose worker pool broken; starting a new one")
            self._pool = None
            return loop.run_in_executor(self._workers(), _compose_in_worker, job)

    async def result(self, job: ComposeJob, future: asyncio.Future[Composed] | None,
                     ) -> Composed:
        if future is None:
            return compose(job, self.outbound)
        try:
            return await future
        except BrokenProcessPool:
            self._pool = None
            raise

    def _workers(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the service has threads (trace exporter, database driver)
            # that a forked child would inherit in an unknown state.
            self._pool = ProcessPoolExecutor(
                max_workers=self.options.compose_processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.outbound.base_url, self.outbound.mail_from, self._secret,
                          self.outbound.unsubscribe_mailto))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
