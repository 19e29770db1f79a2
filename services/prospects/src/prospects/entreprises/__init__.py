"""The "Recherche d'entreprises" API (recherche-entreprises.api.gouv.fr): companies by
activity and department, as ``Company`` contracts."""

from .client import DEFAULT_BASE_URL, EntreprisesApiError, RechercheEntreprisesClient
from .mapping import companies_of

__all__ = [
    "DEFAULT_BASE_URL",
    "EntreprisesApiError",
    "RechercheEntreprisesClient",
    "companies_of",
]
