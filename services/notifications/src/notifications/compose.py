"""Build the emails: an alert (one lead) or a digest (several, best first).

Each message is ``multipart/alternative`` (plain text, then HTML), with a ``Message-ID``
derived from its idempotency key, the RFC 8058 one-click unsubscribe headers and the key
itself in ``X-Chantiers-Idempotency-Key`` (see :mod:`notifications.mime`). RFC 8058 also
asks for a DKIM signature that covers the ``List-Unsubscribe*`` headers and an HTTPS link:
both belong to the sending side (the relay signs; ``public_base_url`` is HTTPS in
production).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from functools import lru_cache

from chantiers_common.events.matching import Lead
from chantiers_common.settings import Settings, get_settings

from .cards import LeadCard, lead_card
from .idempotency import alert_key, digest_key, message_id
from .links import LinkSigner, default_signer, unsubscribe_url
from .mime import MessageParts
from .policy import digest_order, is_urgent
from .preferences import ContactPrefs
from .rendering import date_fr, render, short_date_fr
from .schedule import next_digest_at, period_start

_SUBJECT_TITLE_MAX = 70


@dataclass(frozen=True, slots=True)
class Outbound:
    """Who sends, and where the links in the messages point."""

    base_url: str
    mail_from: str
    signer: LinkSigner
    # The mailto: alternative of List-Unsubscribe, for clients that do not POST.
    unsubscribe_mailto: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Outbound:
        signer = (
            default_signer()
            if settings is None
            else LinkSigner(settings.secret("link_secret"))
        )
        settings = settings or get_settings()
        return cls(
            base_url=settings.public_base_url,
            mail_from=settings.mail_from,
            signer=signer,
            unsubscribe_mailto=f"desabonnement@{_domain_of(settings.mail_from)}",
        )

    @property
    def domain(self) -> str:
        return _domain_of(self.mail_from)


@lru_cache(maxsize=1)
def default_outbound() -> Outbound:
    return Outbound.from_settings()


def _domain_of(address: str) -> str:
    addr = parseaddr(address)[1]
    domain = addr.rpartition("@")[2]
    if not domain:
        raise ValueError(f"no domain in sender address {address!r}")
    return domain


def _shorten(text: str, limit: int = _SUBJECT_TITLE_MAX) -> str:
    text = " ".join(text.split())  # no line breaks or runs of spaces in a header
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _parts(
    contact: ContactPrefs,
    outbound: Outbound,
    *,
    subject: str,
    key: str,
    now: datetime,
    text: str,
    html: str,
    unsubscribe_link: str,
) -> MessageParts:
    return MessageParts(
        subject=subject,
        mail_from=outbound.mail_from,
        to=formataddr((contact.name or "", contact.email)),
        date=now,
        message_id=message_id(key, outbound.domain),
        idempotency_key=key,
        list_id=f"Pistes Chantiers agiles <pistes.{outbound.domain}>",
        unsubscribe_url=unsubscribe_link,
        unsubscribe_mailto=outbound.unsubscribe_mailto,
        text=text,
        html=html,
    )


def _common_context(
    contact: ContactPrefs, outbound: Outbound, structure_name: str | None
) -> tuple[dict[str, object], str]:
    link = unsubscribe_url(
        outbound.base_url,
        outbound.signer.unsubscribe_token(contact.contact_id, contact.structure_siret),
    )
    ctx: dict[str, object] = {
        "contact_name": contact.name,
        "structure_name": structure_name,
        "unsubscribe_url": link,
        "min_score": contact.min_score,
    }
    return ctx, link


def compose_alert(
    lead: Lead,
    contact: ContactPrefs,
    *,
    now: datetime,
    outbound: Outbound | None = None,
    urgent: bool | None = None,
    structure_name: str | None = None,
) -> EmailMessage:
    """One immediate alert (see :func:`alert_parts`)."""
    return alert_parts(lead, contact, now=now, outbound=outbound, urgent=urgent,
                       structure_name=structure_name).message()


def alert_parts(
    lead: Lead,
    contact: ContactPrefs,
    *,
    now: datetime,
    outbound: Outbound | None = None,
    urgent: bool | None = None,
    structure_name: str | None = None,
) -> MessageParts:
    """One immediate alert. ``urgent`` (default: computed against the contact's next
    digest) puts the deadline in the subject."""
    outbound = outbound or default_outbound()
    if urgent is None:
        mode = contact.digest_mode
        urgent = mode is not None and is_urgent(lead, next_digest_at(mode, now))
    card = lead_card(
        lead, contact, now, base_url=outbound.base_url, signer=outbound.signer, urgent=urgent
    )
    if urgent and lead.deadline:
        subject = f"Réponse avant le {short_date_fr(lead.deadline)} : {_shorten(lead.title)}"
    else:
        subject = f"Nouvelle piste ({lead.score}/100) : {_shorten(lead.title)}"
    ctx, link = _common_context(contact, outbound, structure_name)
    ctx |= {"subject": subject, "card": card, "preheader": _preheader([card])}
    key = alert_key(contact.contact_id, lead.id)
    return _parts(
        contact,
        outbound,
        subject=subject,
        key=key,
        now=now,
        text=render("alert.txt.j2", **ctx),
        html=render("alert.html.j2", **ctx),
        unsubscribe_link=link,
    )


def digest_subject(count: int, period: str) -> str:
    start = period_start(period)
    pistes = "nouvelle piste" if count == 1 else "nouvelles pistes"
    if period.startswith("weekly:"):
        return f"{count} {pistes} – semaine du {date_fr(start).partition(' ')[2]}"
    return f"{count} {pistes} – {date_fr(start)}"


def compose_digest(
    leads: Sequence[Lead],
    contact: ContactPrefs,
    *,
    period: str,
    now: datetime,
    outbound: Outbound | None = None,
    structure_name: str | None = None,
) -> EmailMessage:
    """One digest (see :func:`digest_parts`)."""
    return digest_parts(leads, contact, period=period, now=now, outbound=outbound,
                        structure_name=structure_name).message()


def digest_parts(
    leads: Sequence[Lead],
    contact: ContactPrefs,
    *,
    period: str,
    now: datetime,
    outbound: Outbound | None = None,
    structure_name: str | None = None,
) -> MessageParts:
    """One digest for ``period`` (``daily:…``/``weekly:…``), leads sorted best first.
    An empty list is refused: no digest when there is nothing new."""
    if not leads:
        raise ValueError("no digest when there is nothing new")
    outbound = outbound or default_outbound()
    ordered = sorted(leads, key=digest_order)
    # In a digest, "urgent" means: already inside the last 3 business days before the
    # deadline (an alert was not allowed, e.g. over the daily cap).
    cards = [
        lead_card(
            lead,
            contact,
            now,
            base_url=outbound.base_url,
            signer=outbound.signer,
            urgent=is_urgent(lead, now),
        )
        for lead in ordered
    ]
    subject = digest_subject(len(cards), period)
    ctx, link = _common_context(contact, outbound, structure_name)
    ctx |= {
        "subject": subject,
        "cards": cards,
        "weekly": period.startswith("weekly:"),
        "period_label": date_fr(period_start(period)),
        "preheader": _preheader(cards),
    }
    key = digest_key(contact.contact_id, period)
    return _parts(
        contact,
        outbound,
        subject=subject,
        key=key,
        now=now,
        text=render("digest.txt.j2", **ctx),
        html=render("digest.html.j2", **ctx),
        unsubscribe_link=link,
    )


def _preheader(cards: Sequence[LeadCard]) -> str:
    # The line mail clients show under the subject: the best lead's first reasons.
    best = cards[0]
    return _shorten(" · ".join([best.counterpart, *best.reasons[:2]]), 140)
