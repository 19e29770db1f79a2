import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest

from chantiers_common.events.common_types import LeadKind, Outcome
from notifications.cards import OUTCOME_LABELS
from notifications.compose import compose_alert, compose_digest
from notifications.idempotency import alert_key, digest_key
from notifications.mime import IDEMPOTENCY_HEADER

HOSTILE = 'Tonte <script>alert("x")</script> & <img src=x onerror=alert(1)>'


def sent(message):
    """The message as a receiving server parses it from the wire."""
    return message_from_bytes(message.as_bytes(), policy=default_policy)


def parts(message):
    received = sent(message)
    return (
        received,
        received.get_body(("plain",)).get_content(),
        received.get_body(("html",)).get_content(),
    )


def test_alert_headers_and_rfc8058(make_lead, make_contact, outbound, now):
    contact = make_contact()
    message = compose_alert(make_lead(score=90), contact, now=now, outbound=outbound)
    received, _, _ = parts(message)

    assert received["From"] == "Chantiers agiles <alertes@chantiers-agiles.fr>"
    assert received["To"] == "Claire Martin <claire.martin@example.org>"
    assert received["Subject"] == (
        "Nouvelle piste (90/100) : Entretien des espaces verts de la commune"
    )
    assert re.fullmatch(r"<[0-9a-f]{32}@chantiers-agiles\.fr>", received["Message-ID"])
    assert received[IDEMPOTENCY_HEADER] == alert_key("contact-1", "lead-1")
    assert received["Date"].datetime == now

    # RFC 8058: an HTTPS URI in List-Unsubscribe, and exactly this List-Unsubscribe-Post.
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    raw_headers = message.as_bytes().split(b"\n\n", 1)[0].decode("ascii")
    line = next(h for h in raw_headers.splitlines() if h.startswith("List-Unsubscribe:"))
    assert "=?" not in line  # not RFC 2047-encoded: clients would not see a URL
    uris = re.findall(r"<([^>]+)>", line)
    assert uris[0].startswith("https://pistes.chantiers-agiles.fr/unsubscribe/")
    assert uris[1].startswith("mailto:desabonnement@chantiers-agiles.fr?subject=")
    token = uris[0].rsplit("/", 1)[1]
    assert outbound.signer.verify_unsubscribe(token).contact_id == "contact-1"


def test_alert_is_multipart_alternative_with_both_parts_in_french(
    make_lead, make_contact, outbound, now
):
    message = compose_alert(make_lead(score=90), make_contact(), now=now, outbound=outbound)
    received, text, html = parts(message)
    assert received.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in received.iter_parts()] == ["text/plain", "text/html"]
    for body in (text, html):
        assert "Bonjour Claire Martin" in body
        assert "Ville de Chenôve" in body
        assert "Marché réservé aux SIAE" in body
        assert "dans 20 jours" in body
        # 24/11/2026 + 20 days = Monday 14 December, 10:00 in Paris.
        assert "lundi 14 décembre 2026 à 10 h" in body
        assert "https://www.boamp.fr/pages/avis/?q=idweb:26-112233" in body
        for label in OUTCOME_LABELS.values():
            assert label in body
    assert '<html lang="fr">' in html


def test_each_answer_link_carries_its_own_signed_outcome(make_lead, make_contact, outbound, now):
    message = compose_alert(make_lead(), make_contact(), now=now, outbound=outbound)
    _, _, html = parts(message)
    links = re.findall(r'href="https://pistes\.chantiers-agiles\.fr/feedback/([^"]+)"', html)
    claims = [outbound.signer.verify_feedback(token) for token in links]
    assert [c.outcome for c in claims] == list(Outcome)
    assert {(c.contact_id, c.lead_id, c.structure_siret) for c in claims} == {
        ("contact-1", "lead-1", "41234567800017")
    }


def test_urgent_alert_names_the_deadline_in_the_subject(make_lead, make_contact, outbound, now):
    lead = make_lead(score=60, deadline=datetime(2026, 11, 26, 11, 0, tzinfo=UTC))
    message = compose_alert(lead, make_contact(), now=now, outbound=outbound)
    assert message["Subject"].startswith("Réponse avant le 26/11 : ")
    _, text, html = parts(message)
    assert "Piste urgente" in text and "Urgent" in html


def test_hostile_title_is_escaped_in_html(make_lead, make_contact, outbound, now):
    lead = make_lead(
        title=HOSTILE,
        counterpart="<b>Mairie</b>",
        reasons=["<script>x</script>"],
        url="javascript:alert(1)",
    )
    message = compose_digest(
        [lead], make_contact(), period="daily:2026-11-24", now=now, outbound=outbound
    )
    _, text, html = parts(message)
    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;b&gt;Mairie&lt;/b&gt;" in html
    assert "javascript:" not in html  # an unsafe URL is not linked at all
    assert HOSTILE in text  # plain text shows it as it is, harmlessly


def test_digest_lists_leads_best_first(make_lead, make_contact, outbound, now):
    leads = [
        make_lead(id="low", title="Nettoyage de la salle des fêtes", score=55),
        make_lead(id="top", title="Entretien du parc municipal", score=92),
        make_lead(
            id="mid",
            title="Collecte des encombrants",
            score=70,
            kind=LeadKind.AWARD,
            counterpart="Veolia Propreté",
        ),
    ]
    message = compose_digest(
        leads,
        make_contact(),
        period="daily:2026-11-24",
        now=now,
        outbound=outbound,
        structure_name="Jardin de Cocagne",
    )
    received, text, html = parts(message)
    assert received["Subject"] == "3 nouvelles pistes – mardi 24 novembre 2026"
    assert received[IDEMPOTENCY_HEADER] == digest_key("contact-1", "daily:2026-11-24")
    for body in (text, html):
        positions = [body.index(t) for t in ("Entretien du parc", "Collecte des", "Nettoyage de")]
        assert positions == sorted(positions)
        assert "Attribution – sous-traitance" in body
        assert "Titulaire du marché" in body
        assert "Jardin de Cocagne" in body
    assert html.count("/feedback/") == 3 * 5


def test_weekly_digest_subject_and_singular(make_lead, make_contact, outbound, now):
    message = compose_digest(
        [make_lead()], make_contact(), period="weekly:2026-W48", now=now, outbound=outbound
    )
    assert message["Subject"] == "1 nouvelle piste – semaine du 23 novembre 2026"
    assert "de la semaine du lundi 23 novembre 2026" in parts(message)[1]


def test_no_digest_without_leads(make_contact, outbound, now):
    with pytest.raises(ValueError, match="nothing new"):
        compose_digest([], make_contact(), period="daily:2026-11-24", now=now, outbound=outbound)


def test_message_id_is_stable_for_a_key_and_differs_between_keys(
    make_lead, make_contact, outbound, now
):
    contact = make_contact()
    first = compose_alert(make_lead(), contact, now=now, outbound=outbound)
    retry = compose_alert(make_lead(), contact, now=now + timedelta(minutes=5), outbound=outbound)
    other = compose_alert(make_lead(id="lead-2"), contact, now=now, outbound=outbound)
    assert first["Message-ID"] == retry["Message-ID"] != other["Message-ID"]


def test_long_idempotency_key_is_kept_on_one_line(make_lead, make_contact, outbound, now):
    lead_id = "41234567800017:tender:26-112233:" + "x" * 80
    message = compose_alert(make_lead(id=lead_id), make_contact(), now=now, outbound=outbound)
    assert sent(message)[IDEMPOTENCY_HEADER] == f"alert:contact-1:{lead_id}"


def test_a_full_digest_stays_under_gmail_clipping(make_lead, make_contact, outbound, now):
    """Gmail cuts HTML bodies past 102 kB, and with them the unsubscribe link."""
    from notifications.policy import MAX_DIGEST_LEADS

    leads = [
        make_lead(
            id=f"41234567800017:tender:26-{i:06d}",
            score=50 + i,
            title="Entretien des espaces verts, fauchage et débroussaillage " * 2,
            reasons=[
                "Marché réservé aux SIAE",
                "À 6 km de votre atelier",
                "Secteur : Création et entretien des espaces verts (CPV 77310000)",
                "Acheteur ayant déjà attribué 3 marchés à des SIAE",
            ],
        )
        for i in range(MAX_DIGEST_LEADS)
    ]
    message = compose_digest(
        leads, make_contact(), period="daily:2026-11-24", now=now, outbound=outbound
    )
    html = message.get_body(("html",)).get_content()
    assert html.count("/feedback/") == 5 * MAX_DIGEST_LEADS
    assert len(html.encode()) < 102_000


def test_outbound_from_settings_signs_with_the_configured_secret(make_lead, make_contact, now):
    from chantiers_common.settings import Settings
    from notifications.compose import Outbound
    from notifications.links import LinkSigner, TamperedLink

    settings = Settings(
        link_secret="configured-secret",
        public_base_url="https://p.example.fr",
        mail_from="Pistes <pistes@example.fr>",
    )
    outbound = Outbound.from_settings(settings)
    assert outbound.domain == "example.fr"
    assert outbound.unsubscribe_mailto == "desabonnement@example.fr"
    message = compose_alert(make_lead(), make_contact(), now=now, outbound=outbound)
    token = re.search(
        r"<https://p\.example\.fr/unsubscribe/([^>]+)>", message["List-Unsubscribe"]
    ).group(1)
    assert LinkSigner("configured-secret").verify_unsubscribe(token).contact_id == "contact-1"
    with pytest.raises(TamperedLink):
        LinkSigner("another-secret").verify_unsubscribe(token)
