"""What the sender puts on the wire (``MessageParts.wire``) is the same message as the
standard library's (``MessageParts.message``): same headers, same bodies, valid MIME."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

from notifications.compose import alert_parts, digest_parts

LONG_LINE = "x" * 1200  # past RFC 5322's 998 octets: quoted-printable is needed


def _same(parts) -> None:  # type: ignore[no-untyped-def]
    wire = parts.wire()
    assert b"\r\n" in wire and b"\n" not in wire.replace(b"\r\n", b"")  # CRLF only
    assert max(len(line) for line in wire.split(b"\r\n")) <= 998
    ours = message_from_bytes(wire, policy=default_policy)
    std = message_from_bytes(parts.message().as_bytes(), policy=default_policy)
    assert not ours.defects
    for name, _ in parts.header_items():
        assert str(ours[name]) == str(std[name]), name
    assert ours.get_content_type() == "multipart/alternative"
    for kind in ("plain", "html"):
        mine = ours.get_body((kind,)).get_content().replace("\r\n", "\n")
        theirs = std.get_body((kind,)).get_content().replace("\r\n", "\n")
        assert mine == theirs, kind
    # Plain text first, HTML last (the preferred alternative).
    assert [p.get_content_type() for p in ours.iter_parts()] == ["text/plain", "text/html"]


def test_an_alert_on_the_wire_is_the_standard_message(make_lead, make_contact, outbound, now):
    parts = alert_parts(make_lead(score=91, title="Élagage – arbres d’alignement « lot 2 »"),
                        make_contact(name="Zoé Lefèvre-Durand"), now=now, outbound=outbound)
    _same(parts)
    assert parts.envelope == ("alertes@chantiers-agiles.fr", "claire.martin@example.org")


def test_a_digest_on_the_wire_is_the_standard_message(make_lead, make_contact, outbound, now):
    leads = [make_lead(id=f"lead-{n}", score=60 + n, title=f"Nettoyage des vitres {n}",
                       deadline=now + timedelta(days=10 + n)) for n in range(8)]
    _same(digest_parts(leads, make_contact(), period="daily:2026-11-24", now=now,
                       outbound=outbound))


def test_a_line_too_long_for_smtp_goes_quoted_printable(make_lead, make_contact, outbound,
                                                        now):
    parts = alert_parts(make_lead(reasons=[LONG_LINE]), make_contact(), now=now,
                        outbound=outbound)
    wire = parts.wire()
    assert re.search(rb"Content-Transfer-Encoding: quoted-printable", wire)
    _same(parts)
    text = message_from_bytes(wire, policy=default_policy).get_body(("plain",)).get_content()
    assert LONG_LINE in text
