"""Names and groups of the 154 sectors, for evidence strings and French reasons."""

from __future__ import annotations

from .tables import sectors


def sector_names() -> dict[str, str]:
    """slug → French name, e.g. ``"creation-et-entretien-des-espaces-verts"`` →
    ``"Création et entretien des espaces verts"``."""
    return {slug: sector.name for slug, sector in sectors().items()}


def sector_groups() -> dict[str, str]:
    """slug → French name of its group, e.g. ``"Espaces verts & extérieurs"``."""
    return {slug: sector.group for slug, sector in sectors().items()}
