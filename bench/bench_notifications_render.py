"""How fast the notifications service renders digests (no SMTP, no database).

Builds 1,000 daily digests of 10 leads each, one per contact, and prints the time per
digest for each stage: the lead cards (five signed answer links per lead), the two
templates, the ``EmailMessage`` and its serialisation to bytes (what goes to SMTP).

The leads are generated from the shapes of real leads (French titles of the kind BOAMP
carries, buyers, places and reasons as matching writes them), not read from data/: the
samples hold too few green-space or cleaning tenders to fill 10,000 digests.

    .venv/bin/python bench/bench_notifications_render.py [--digests 1000] [--leads 10]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from chantiers_common.events.common_types import AlertMode, LeadKind
from chantiers_common.events.matching import Lead
from chantiers_common.events.structures import Contact
from notifications.cards import lead_card
from notifications.compose import Outbound, compose_digest
from notifications.links import LinkSigner
from notifications.preferences import ContactPrefs
from notifications.rendering import render

TITLES = [
    "Entretien des espaces verts et des abords des résidences",
    "Fauchage et débroussaillage des chemins ruraux",
    "Nettoyage des locaux administratifs et des vitreries",
    "Collecte, réemploi et valorisation des encombrants",
    "Travaux de peinture intérieure dans les logements vacants",
    "Fourniture de paniers de légumes biologiques pour la restauration scolaire",
    "Déménagement et transfert de mobilier de bureau",
    "Entretien des cimetières communaux – désherbage alternatif",
    "Tri et recyclage des papiers et cartons de bureau",
    "Retouche et entretien du linge des résidents de l’EHPAD",
]
BUYERS = [
    "Ville de Dijon",
    "Grand Dijon Habitat",
    "Commune de Chenôve",
    "Département de la Côte-d’Or",
    "Syndicat mixte du Dijonnais",
    "Centre hospitalier de Beaune",
    "Orvitis",
    "CCAS de Talant",
]
PLACES = [
    ("Dijon", "21"),
    ("Chenôve", "21"),
    ("Beaune", "21"),
    ("Auxonne", "21"),
    ("Dole", "39"),
    ("Besançon", "25"),
]
REASONS = [
    "Marché réservé aux SIAE",
    "Critère social dans le jugement des offres",
    "Secteur : Création et entretien des espaces verts (CPV 77310000)",
    "Acheteur ayant déjà attribué 3 marchés à des SIAE",
    "Procédure adaptée d’une commune proche",
]


def make_leads(rng: random.Random, siret: str, count: int, now: datetime) -> list[Lead]:
    leads = []
    for i in range(count):
        place, dept = rng.choice(PLACES)
        distance = round(rng.uniform(1, 60), 1)
        deadline = now + timedelta(days=rng.randint(5, 45), hours=rng.randint(0, 8))
        kind = rng.choice([LeadKind.TENDER, LeadKind.TENDER, LeadKind.AWARD, LeadKind.COMPANY])
        leads.append(
            Lead(
                id=f"{siret}:{i}:{rng.randrange(10**8)}",
                version=1,
                kind=kind,
                structure_siret=siret,
                prospect_ref=f"26-{rng.randrange(10**6):06d}",
                title=f"{rng.choice(TITLES)} – lot {rng.randint(1, 6)}",
                counterpart=rng.choice(BUYERS),
                place=place,
                departments=[dept],
                distance_km=distance,
                deadline=None if kind is LeadKind.COMPANY else deadline,
                url=f"https://www.boamp.fr/pages/avis/?q=idweb:26-{rng.randrange(10**6):06d}",
                score=rng.randint(50, 99),
                reasons=[*rng.sample(REASONS, 2), f"À {round(distance)} km de votre atelier"],
                scored_at=now,
            )
        )
    return leads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digests", type=int, default=1000)
    parser.add_argument("--leads", type=int, default=10)
    args = parser.parse_args()

    rng = random.Random(20261124)
    now = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    outbound = Outbound(
        base_url="https://pistes.chantiers-agiles.fr",
        mail_from="Chantiers agiles <alertes@chantiers-agiles.fr>",
        signer=LinkSigner("bench-secret"),
        unsubscribe_mailto="desabonnement@chantiers-agiles.fr",
    )
    work = []
    for n in range(args.digests):
        siret = f"{41234567800000 + n:014d}"
        contact = ContactPrefs.from_contact(
            Contact(
                id=f"contact-{n}",
                structure_siret=siret,
                email=f"contact{n}@example.org",
                name=f"Contact {n}",
                alert_mode=AlertMode.DAILY,
            )
        )
        work.append((contact, make_leads(rng, siret, args.leads, now)))

    # Warm-up: template compilation and babel data loading happen once per process.
    compose_digest(work[0][1], work[0][0], period="daily:2026-11-24", now=now, outbound=outbound)

    cards_s = templates_s = 0.0
    start = time.perf_counter()
    for contact, leads in work:
        t0 = time.perf_counter()
        cards = [
            lead_card(lead, contact, now, base_url=outbound.base_url, signer=outbound.signer)
            for lead in leads
        ]
        t1 = time.perf_counter()
        ctx = {
            "subject": "s",
            "cards": cards,
            "weekly": False,
            "period_label": "p",
            "preheader": "p",
            "contact_name": contact.name,
            "structure_name": None,
            "unsubscribe_url": "https://x/unsubscribe/t",
            "min_score": 50,
        }
        render("digest.html.j2", **ctx)
        render("digest.txt.j2", **ctx)
        t2 = time.perf_counter()
        cards_s += t1 - t0
        templates_s += t2 - t1
    render_total = time.perf_counter() - start

    compose_times, bytes_times, sizes = [], [], []
    for contact, leads in work:
        t0 = time.perf_counter()
        message = compose_digest(
            leads, contact, period="daily:2026-11-24", now=now, outbound=outbound
        )
        t1 = time.perf_counter()
        data = message.as_bytes()
        t2 = time.perf_counter()
        compose_times.append(t1 - t0)
        bytes_times.append(t2 - t1)
        sizes.append(len(data))

    n = len(work)
    per = 1000 / n
    full_ms = (sum(compose_times) + sum(bytes_times)) * per
    print(f"digests: {n} × {args.leads} leads (rendered HTML + text, signed links)")
    print(f"  lead cards (5 signed links each) : {cards_s * per:6.2f} ms/digest")
    print(f"  templates (HTML + text)          : {templates_s * per:6.2f} ms/digest")
    print(f"  = render                         : {render_total * per:6.2f} ms/digest")
    print(
        f"  compose_digest (render + MIME)   : {sum(compose_times) * per:6.2f} ms/digest "
        f"(median {statistics.median(compose_times) * 1000:.2f}, "
        f"p95 {sorted(compose_times)[int(0.95 * n)] * 1000:.2f})"
    )
    print(f"  as_bytes (serialise for SMTP)    : {sum(bytes_times) * per:6.2f} ms/digest")
    print(
        f"  = ready to send                  : {full_ms:6.2f} ms/digest, "
        f"{statistics.mean(sizes) / 1024:.0f} KiB/message"
    )
    print(f"  10,000 digests on one core       : {full_ms * 10:6.1f} s (budget: 60 s with SMTP)")


if __name__ == "__main__":
    main()
