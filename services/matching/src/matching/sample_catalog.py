"""Synthetic activities at the registry's scale, for benchmarks and volume tests.

Structures are given (SIRET, department, coordinates: the real registry's, in the
benchmarks); each gets activities in the sectors ACIs work in, with the areas staff
declare (mostly a radius, some departments, a few communes or all of France).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from chantiers_common.events.common_types import GeoPoint, ServiceType
from chantiers_common.events.structures import Activity, Area, AreaKind, Structure

# Sectors where SIAE work, roughly by how many declare them.
ACI_SECTORS: dict[str, float] = {
    "creation-et-entretien-des-espaces-verts": 10,
    "entretien-restauration-amenagement-des-espaces-naturels": 5,
    "maraichage": 5,
    "nettoyage-de-locaux-16": 6,
    "recyclage-delements-dameublement-dae-et-petits-objets": 3,
    "collecte-des-dechets-delements-dameublement-dae-et-petits-objets": 2,
    "recyclage-textiles": 3,
    "couture-reprisage-retouches": 2,
    "blanchisserie": 2,
    "peinture-revetement-des-murs": 3,
    "tous-travaux-et-petits-bricolages-42": 2,
    "deconstruction-curage-demolition": 1,
    "travail-du-bois": 2,
    "restauration-collective": 2,
    "traiteur": 1,
    "demenagement-45": 2,
    "manutention": 2,
    "logistique-conditionnement": 2,
    "travaux-forestiers-bucheronnage": 2,
    "collecte-des-dechets-papiers-et-fournitures-dentreprises": 1,
    "reparation-de-velos-14": 1,
    "mailing-archivage-secretariat-52": 1,
    # Building trades (often insertion enterprises, EI, beside the ACIs).
    "travaux-de-chantiers-74": 3,
    "menuiserie": 1,
    "carrelage-revetement-des-sols": 1,
    "entretien-et-maintenance-de-lespace-urbain-17": 1,
    "textiles-30": 1,
    "transports-de-personnes": 1,
    "equipements-et-mobiliers": 1,
}


@dataclass(frozen=True)
class Site:
    siret: str
    department: str
    lat: float
    lon: float


def fake_siret(rng: random.Random) -> str:
    """14 digits passing the Luhn check, as real SIRETs do."""
    body = [rng.randrange(10) for _ in range(13)]
    total = 0
    for i, digit in enumerate(reversed(body)):
        doubled = digit * 2 if i % 2 == 0 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return "".join(map(str, body)) + str((10 - total % 10) % 10)


def structures(sites: Sequence[Site]) -> Iterator[Structure]:
    for site in sites:
        yield Structure(siret=site.siret, siren=site.siret[:9], kind="ACI",
                        name=f"Atelier {site.siret}", department=site.department,
                        location=GeoPoint(lat=site.lat, lon=site.lon))


def activities(sites: Sequence[Site], per_structure: int = 5, seed: int = 1,
               ) -> Iterator[Activity]:
    rng = random.Random(seed)
    sectors, weights = list(ACI_SECTORS), list(ACI_SECTORS.values())
    departments = sorted({s.department for s in sites})
    for site in sites:
        chosen: list[str] = []
        while len(chosen) < min(per_structure, len(sectors)):
            sector = rng.choices(sectors, weights)[0]
            if sector not in chosen:
                chosen.append(sector)
        for n, sector in enumerate(chosen):
            yield Activity(
                id=f"{site.siret}-{n}", structure_siret=site.siret, sector=sector,
                service_types=[ServiceType.SERVICE], area=_area(rng, site, departments),
                structure_location=GeoPoint(lat=site.lat, lon=site.lon),
                structure_department=site.department, structure_kind="ACI",
            )


def _area(rng: random.Random, site: Site, departments: list[str]) -> Area:
    draw = rng.random()
    if draw < 0.75:
        return Area(kind=AreaKind.RADIUS, radius_km=rng.choice((15, 20, 30, 30, 40, 50)))
    if draw < 0.93:
        codes = [site.department, *rng.sample(departments, 1)]
        return Area(kind=AreaKind.DEPARTMENTS, codes=codes, departments=codes)
    if draw < 0.99:
        return Area(kind=AreaKind.COMMUNES, codes=[f"{site.department}{rng.randrange(1, 400):03d}"])
    return Area(kind=AreaKind.FRANCE)
