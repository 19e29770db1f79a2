"""A digest of realistic leads, rendered in headless Chromium at phone and desktop widths.

The screenshots are kept as artifacts (``<run_dir>/artifacts/digest_*.png``) for a person
to look at. Needs Debian's ``chromium`` package and the ``playwright`` Python package
(Playwright's own browser download is not used).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from chantiers_common.events.common_types import LeadKind
from chantiers_common.settings import get_settings
from notifications.cards import OUTCOME_LABELS
from notifications.compose import compose_digest
from notifications.schedule import PARIS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def realistic_leads(make_lead):
    return [
        make_lead(
            id="lead-ov-1",
            score=88,
            deadline=datetime(2026, 12, 7, 12, 0, tzinfo=PARIS),
            title="Entretien des espaces verts et des abords des résidences – lot 2 : secteur nord",
            counterpart="Grand Dijon Habitat (office public de l’habitat)",
            place="Dijon",
            departments=["21"],
            distance_km=4.8,
            reasons=[
                "Marché réservé aux SIAE (article L2113-13)",
                "À 5 km de votre atelier",
                "Secteur : Création et entretien des espaces verts (CPV 77310000)",
                "Réponse avant le 07/12 (13 jours)",
            ],
        ),
        make_lead(
            id="lead-fauchage",
            score=79,
            deadline=datetime(2026, 11, 26, 12, 0, tzinfo=PARIS),
            title="Fauchage et débroussaillage des chemins ruraux 2027 (MAPA)",
            counterpart="Commune de Fontaine-lès-Dijon",
            place="Fontaine-lès-Dijon",
            departments=["21"],
            distance_km=9.3,
            reasons=[
                "Procédure adaptée d’une commune proche",
                "À 9 km de votre atelier",
                "Acheteur ayant déjà attribué 3 marchés à des SIAE",
            ],
        ),
        make_lead(
            id="lead-award-onet",
            kind=LeadKind.AWARD,
            score=74,
            deadline=None,
            title="Nettoyage des locaux administratifs du conseil départemental",
            counterpart="Onet Propreté et Services",
            place="Dijon",
            departments=["21"],
            distance_km=3.1,
            sector="nettoyage",
            sectors=["nettoyage"],
            reasons=[
                "Marché attribué avec une clause sociale (7 000 heures d’insertion)",
                "Le titulaire peut vous sous-traiter ses heures d’insertion",
                "À 3 km de votre atelier",
            ],
        ),
        make_lead(
            id="lead-ressourcerie",
            score=67,
            deadline=datetime(2026, 12, 18, 16, 30, tzinfo=PARIS),
            title="Collecte, réemploi et valorisation des encombrants en déchèterie",
            counterpart="Syndicat mixte du Dijonnais",
            place="Longvic",
            departments=["21"],
            distance_km=11.6,
            sector="reemploi",
            sectors=["reemploi"],
            reasons=[
                "Critère social dans le jugement des offres",
                "Secteur : Réemploi et ressourcerie (CPV 90510000)",
            ],
        ),
        make_lead(
            id="lead-foncia",
            kind=LeadKind.COMPANY,
            score=61,
            deadline=None,
            url=None,
            title="Gestion de copropriétés – agence de Chenôve",
            counterpart="Foncia Bourgogne",
            place="Chenôve",
            departments=["21"],
            distance_km=6.4,
            reasons=[
                "Gestionnaire de biens (NAF 68.32A) : achète l’entretien des espaces verts",
                "Établissement de 50 à 99 salariés",
                "À 6 km de votre atelier",
            ],
        ),
        make_lead(
            id="lead-long",
            score=58,
            deadline=datetime(2027, 1, 4, 12, 0, tzinfo=PARIS),
            title="Travaux de second œuvre : peinture intérieure, revêtements de sols souples "
            "et petite menuiserie dans les logements vacants du patrimoine",
            counterpart="Orvitis",
            place="Beaune",
            departments=["21"],
            distance_km=38,
            reasons=["Marché d’insertion et de qualification", "À 38 km de votre atelier"],
        ),
    ]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = "Debian's chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_digest_renders_on_phone_and_desktop(browser, make_lead, make_contact, outbound, now):
    leads = realistic_leads(make_lead)
    message = compose_digest(
        leads,
        make_contact(name="Claire Martin"),
        period="daily:2026-11-24",
        now=now,
        outbound=outbound,
        structure_name="Jardin de Cocagne du Dijonnais",
    )
    html = message.get_body(("html",)).get_content()
    artifacts = get_settings().run_dir / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)

    for name, width, height in (("phone", 390, 844), ("desktop", 1280, 900)):
        shot = artifacts / f"digest_{name}.png"
        shot.unlink(missing_ok=True)  # an old screenshot must not pass for a new one
        page = browser.new_page(viewport={"width": width, "height": height})
        try:
            # Links point outside; the page must render from its HTML alone.
            page.route("**/*", lambda route: route.abort())
            page.set_content(html, wait_until="load")
            text = page.inner_text("body")
            for lead in leads:
                assert lead.title in text
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width, f"horizontal overflow at {width}px: {scroll_width}px"
            answers = page.eval_on_selector_all(
                "a[href*='/feedback/']", "links => links.map(a => a.textContent.trim())"
            )
            assert answers == list(OUTCOME_LABELS.values()) * len(leads)
            page.screenshot(path=str(shot), full_page=True)
        finally:
            page.close()
        assert shot.stat().st_size > 10_000
