"""A local stand-in for the "Recherche d'entreprises" API (``GET /search``), over real
HTTP on 127.0.0.1, answering as the real one does (see
``data/reference/annuaire_recherche_entreprises_open-api.yml``).

Its rules: ``per_page`` at most 25, ``limite_matching_etablissements`` from 1 to 100, at
least one search parameter; ``activite_principale`` filters legal units (their own NAF
code) and ``departement`` their establishments, listed in ``matching_etablissements``.
It enforces the real rate limit (7 requests in any second, else 429 with
``Retry-After``), which a test can switch off, and plays scripted faults (429 with a
``Retry-After``, 503) one request each.

Its data are legal units built from a StockEtablissement CSV (``results_from_stock``):
tests use files from the SIRENE generator, whose codes and places are realistic.
Run it by hand with ``python fake_recherche_entreprises.py STOCK.csv``.
"""

from __future__ import annotations

import csv
import json
import math
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from prospects.sirene.communes import load_communes
from prospects.sirene.territories import department_of


def _address(row: dict[str, str]) -> str:
    street = " ".join(v for v in (row["numeroVoieEtablissement"], row["typeVoieEtablissement"],
                                  row["libelleVoieEtablissement"]) if v and v != "[ND]")
    place = f"{row['codePostalEtablissement']} {row['libelleCommuneEtablissement']}".strip()
    return " ".join(v for v in (street, place) if v)


def results_from_stock(path: Path) -> list[dict[str, Any]]:
    """Legal units (one per SIREN, with all their establishments) shaped like the API's
    results; positions are the commune's (the API geocodes establishments)."""
    communes = load_communes()
    units: dict[str, dict[str, Any]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["nomenclatureActivitePrincipaleEtablissement"] != "NAFRev2":
                continue
            position = communes.get(row["codeCommuneEtablissement"])
            name = row["denominationUsuelleEtablissement"] or row["enseigne1Etablissement"]
            place = {
                "siret": row["siret"],
                "activite_principale": row["activitePrincipaleEtablissement"],
                "tranche_effectif_salarie": row["trancheEffectifsEtablissement"] or None,
                "date_creation": row["dateCreationEtablissement"] or None,
                "adresse": _address(row),
                "commune": row["codeCommuneEtablissement"],
                "code_postal": row["codePostalEtablissement"] or None,
                "latitude": str(position[0]) if position else None,
                "longitude": str(position[1]) if position else None,
                "etat_administratif": row["etatAdministratifEtablissement"],
                "est_siege": row["etablissementSiege"] == "true",
                "liste_enseignes": [row["enseigne1Etablissement"]]
                if row["enseigne1Etablissement"] not in ("", "[ND]") else None,
                "nom_commercial": row["denominationUsuelleEtablissement"] or None,
            }
            unit = units.setdefault(row["siren"], {
                "siren": row["siren"],
                "nom_complet": (name or f"ENTREPRISE {row['siren']}").lower(),
                "nom_raison_sociale": name or f"ENTREPRISE {row['siren']}",
                "activite_principale": row["activitePrincipaleEtablissement"],
                "categorie_entreprise": "PME",
                "etat_administratif": "A",
                "complements": {"est_ess": int(row["siren"]) % 7 == 0,
                                "est_societe_mission": int(row["siren"]) % 11 == 0},
                "siege": place,
                "etablissements": [],
            })
            unit["etablissements"].append(place)
    return list(units.values())


class FakeRechercheEntreprises:
    def __init__(self, units: list[dict[str, Any]], *, rate_limit: bool = True) -> None:
        self.units = units
        self.rate_limit = rate_limit
        self.faults: deque[tuple[int, dict[str, str]]] = deque()
        self.requests: list[tuple[float, dict[str, str]]] = []
        self.throttled = 0
        self._recent: deque[float] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeRechercheEntreprises:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def matching(self, naf: str, department: str) -> list[tuple[dict, list[dict]]]:
        """Units of activity ``naf`` with their establishments in ``department``."""
        found = []
        for unit in self.units:
            if unit["activite_principale"] not in naf.split(","):
                continue
            places = [p for p in unit["etablissements"]
                      if department_of(p["commune"]) in department.split(",")]
            if places:
                found.append((unit, places))
        return found

    def _throttle(self) -> bool:
        with self._lock:
            now = time.monotonic()
            while self._recent and now - self._recent[0] >= 1.0:
                self._recent.popleft()
            if self.rate_limit and len(self._recent) >= 7:
                self.throttled += 1
                return True
            self._recent.append(now)
            return False

    def answer(self, query: dict[str, str]) -> tuple[int, dict[str, Any], dict[str, str]]:
        self.requests.append((time.monotonic(), query))
        if self.faults:
            status, headers = self.faults.popleft()
            return status, {"erreur": "scripted"}, headers
        if self._throttle():
            return 429, {"erreur": "Trop de requêtes"}, {"Retry-After": "1"}
        per_page = int(query.get("per_page", 10))
        page = int(query.get("page", 1))
        limit = int(query.get("limite_matching_etablissements", 10))
        if not 1 <= per_page <= 25:
            return 400, {"erreur": "Veuillez indiquer un paramètre per_page entre 1 et 25."}, {}
        if not 1 <= limit <= 100:
            return 400, {"erreur": "Veuillez indiquer un paramètre "
                                   "limite_matching_etablissements entre 1 et 100."}, {}
        if page < 1:
            return 400, {"erreur": "Veuillez indiquer un numéro de page valide."}, {}
        naf, department = query.get("activite_principale"), query.get("departement")
        if not naf or not department:
            return 400, {"erreur": "Veuillez indiquer au moins un paramètre de recherche."}, {}
        found = self.matching(naf, department)
        results = []
        for unit, places in found[(page - 1) * per_page : page * per_page]:
            result = {k: v for k, v in unit.items() if k != "etablissements"}
            result["matching_etablissements"] = places[:limit]
            results.append(result)
        return 200, {
            "results": results,
            "total_results": len(found),
            "page": page,
            "per_page": per_page,
            "total_pages": math.ceil(len(found) / per_page),
        }, {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path != "/search":
                    self.send_error(404)
                    return
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                status, body, headers = fake.answer(query)
                payload = json.dumps(body, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        return Handler


if __name__ == "__main__":
    server = FakeRechercheEntreprises(results_from_stock(Path(sys.argv[1]))).start()
    print(server.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()
