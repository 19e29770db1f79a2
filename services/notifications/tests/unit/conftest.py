"""Builders for the notification unit tests: leads and contacts as the contracts carry them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chantiers_common.events.common_types import AlertMode, LeadKind
from chantiers_common.events.matching import Lead, ScoreComponent
from chantiers_common.events.structures import Contact
from notifications.compose import Outbound
from notifications.links import LinkSigner
from notifications.preferences import ContactPrefs

SIRET = "41234567800017"
# Tuesday 24 November 2026, 10:00 in Paris (09:00 UTC): a plain business day.
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _lead(**overrides: Any) -> Lead:
    values: dict[str, Any] = {
        "id": "lead-1",
        "version": 1,
        "kind": LeadKind.TENDER,
        "structure_siret": SIRET,
        "prospect_ref": "26-112233",
        "title": "Entretien des espaces verts de la commune",
        "counterpart": "Ville de Chenôve",
        "sector": "espaces-verts",
        "sectors": ["espaces-verts"],
        "departments": ["21"],
        "place": "Chenôve",
        "distance_km": 6.2,
        "deadline": NOW + timedelta(days=20),
        "url": "https://www.boamp.fr/pages/avis/?q=idweb:26-112233",
        "score": 70,
        "components": [
            ScoreComponent(
                name="social", points=25, max_points=25, reason="Marché réservé aux SIAE"
            ),
        ],
        "reasons": ["Marché réservé aux SIAE", "À 6 km de votre atelier"],
        "scored_at": NOW,
    }
    values.update(overrides)
    return Lead(**values)


def _contact(**overrides: Any) -> ContactPrefs:
    cap = overrides.pop("daily_alert_cap", 5)
    values: dict[str, Any] = {
        "id": "contact-1",
        "structure_siret": SIRET,
        "email": "claire.martin@example.org",
        "name": "Claire Martin",
        "alert_mode": AlertMode.IMMEDIATE,
        "min_score": 50,
    }
    values.update(overrides)
    return ContactPrefs.from_contact(Contact(**values), daily_alert_cap=cap)


@pytest.fixture
def make_lead() -> Callable[..., Lead]:
    return _lead


@pytest.fixture
def make_contact() -> Callable[..., ContactPrefs]:
    return _contact


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def signer() -> LinkSigner:
    return LinkSigner("test-secret-not-for-production")


@pytest.fixture
def outbound(signer: LinkSigner) -> Outbound:
    return Outbound(
        base_url="https://pistes.chantiers-agiles.fr",
        mail_from="Chantiers agiles <alertes@chantiers-agiles.fr>",
        signer=signer,
        unsubscribe_mailto="desabonnement@chantiers-agiles.fr",
    )
