"""Realistic BOAMP records in volume, built from the shapes of the real ones.

The shipped samples hold few notices an ACI could answer (mostly studies), so volume tests
generate them: opendatasoft v2.1 records with the fields the real summary records carry
(`idweb`, `objet`, `nomacheteur`, `code_departement`, `dateparution`,
`datelimitereponse`, `nature`, `famille`, `type_marche`, `descripteur_libelle`,
`criteres`, `url_avis`), titles of the trades ACIs work in, real-looking buyers.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

TRADE_TITLES = {
    "creation-et-entretien-des-espaces-verts": [
        "Entretien des espaces verts de la résidence {place}",
        "Tonte, taille et entretien des espaces verts du quartier {place}",
        "Marché d'entretien des espaces verts communaux – secteur {place}",
    ],
    "nettoyage-de-locaux-16": [
        "Nettoyage des locaux administratifs de {place}",
        "Prestations de nettoyage des bureaux et sanitaires – site de {place}",
    ],
}
BUYERS = ["Commune de {place}", "Office public de l'habitat de {place}",
          "Communauté de communes du pays de {place}", "Centre hospitalier de {place}"]
PLACES = ["Beaune", "Chenôve", "Auxonne", "Semur", "Montbard", "Nuits", "Genlis", "Is-sur-Tille"]


def tender_records(count: int, departments: list[str], *, sector: str,
                   start: int = 1, seed: int = 7, today: date | None = None) -> list[dict]:  # type: ignore[type-arg]
    """``count`` calls for tenders in ``departments`` (round robin) for one trade."""
    rng = random.Random(seed)
    today = today or date.today()
    titles = TRADE_TITLES[sector]
    records = []
    for i in range(start, start + count):
        place = rng.choice(PLACES)
        idweb = f"99-{i:06d}"
        records.append({
            "idweb": idweb,
            "objet": rng.choice(titles).format(place=place) + f" (lot {i})",
            "nomacheteur": rng.choice(BUYERS).format(place=place),
            "code_departement": [departments[(i - start) % len(departments)]],
            "dateparution": today.isoformat(),
            "datelimitereponse": f"{(today + timedelta(days=30)).isoformat()}T12:00:00+01:00",
            "nature": "APPEL_OFFRE",
            "famille": "MAPA",
            "type_marche": ["SERVICES"],
            "criteres": ["sociaux"],
            "url_avis": f"https://www.boamp.fr/pages/avis/?q=idweb:{idweb}",
        })
    return records


def write_page(path: Path, records: list[dict]) -> Path:  # type: ignore[type-arg]
    path.write_text(json.dumps({"total_count": len(records), "results": records},
                               ensure_ascii=False))
    return path
