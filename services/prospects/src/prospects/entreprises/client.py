"""Client of the "Recherche d'entreprises" API: companies by NAF code and department.

The API allows 7 requests a second per IP address and answers 429 with ``Retry-After``
beyond that. The client keeps under the limit itself (a sliding window: never more than
``rate`` requests started in any second), waits as long as ``Retry-After`` says when it
is throttled anyway (another process on the same address), and retries transient
failures (5xx, timeouts, dropped connections) with exponential back-off. Results come 25
a page; ``activite_principale`` filters legal units and ``departement`` their
establishments, which come in ``matching_etablissements`` (at most 100 per company and
query: the API's maximum).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx

from chantiers_common.events.prospects import Company

from ..defaults import API_DEPARTMENT, ENTREPRISES_API_URL, NAF_CODE
from ..http_retry import RetryingGet
from .mapping import companies_of

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = ENTREPRISES_API_URL
PER_PAGE = 25  # the API's maximum
MAX_ESTABLISHMENTS = 100  # limite_matching_etablissements: the API's maximum
# The API serves the first 10,000 results of a query (400 pages of 25).
MAX_PAGES = 400
NAF = NAF_CODE
DEPARTMENT = API_DEPARTMENT
# The API counts requests as they arrive: a window a little longer than a second keeps
# network jitter from bunching 8 arrivals into one second.
WINDOW = 1.05
USER_AGENT = "chantiers-agiles/0.1 (prospection pour les ateliers et chantiers d'insertion)"


class EntreprisesApiError(RuntimeError):
    """The API refused a request, or kept failing after every retry."""


class RateLimiter:
    """At most ``rate`` starts in any window of ``period`` seconds (shared by the tasks
    of one client)."""

    def __init__(
        self, rate: int, period: float = 1.0, *, clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1")
        self.rate = rate
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque(maxlen=rate)
        self._lock = asyncio.Lock()
        self.waited = 0.0

    async def acquire(self) -> None:
        async with self._lock:
            if len(self._starts) == self.rate:
                delay = self._starts[0] + self.period - self._clock()
                if delay > 0:
                    self.waited += delay
                    await self._sleep(delay)
            self._starts.append(self._clock())


class RechercheEntreprisesClient:
    """Use as an async context manager (or pass an ``httpx.AsyncClient``)."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        client: httpx.AsyncClient | None = None,
        rate: int = 7,
        per_page: int = PER_PAGE,
        max_pages: int = MAX_PAGES,
        max_attempts: int = 6,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not 1 <= per_page <= PER_PAGE:
            raise ValueError(f"per_page must be between 1 and {PER_PAGE}")
        self.base_url = base_url.rstrip("/")
        self.per_page = per_page
        self.max_pages = max_pages
        self.limiter = RateLimiter(rate, WINDOW, clock=clock, sleep=sleep)
        self._http = RetryingGet(
            api="Recherche d'entreprises", error=EntreprisesApiError, message=_api_message,
            max_attempts=max_attempts, backoff_base=backoff_base, backoff_max=backoff_max,
            sleep=sleep,
            before=self.limiter.acquire)
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(
            timeout=timeout, follow_redirects=True,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
        )
        self.truncated = False  # the query had more results than the API serves

    async def __aenter__(self) -> RechercheEntreprisesClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()

    async def companies(
        self, naf: str, department: str, *, include_closed: bool = False
    ) -> AsyncIterator[Company]:
        """Establishments in ``department`` of the companies whose activity is ``naf``
        (each once), active ones only unless ``include_closed``."""
        if not NAF.match(naf):
            raise ValueError(f"code NAF invalide : {naf!r} (attendu : 81.30Z)")
        if not DEPARTMENT.match(department):
            raise ValueError(f"département invalide : {department!r} (attendu : 69, 2A, 974)")
        seen: set[str] = set()
        page = 1
        while True:
            body = await self._get({
                "activite_principale": naf,
                "departement": department,
                "page": page,
                "per_page": self.per_page,
                "limite_matching_etablissements": MAX_ESTABLISHMENTS,
            })
            results = body.get("results") or []
            for result in results:
                for company in companies_of(result, department):
                    if company.siret not in seen and (company.active or include_closed):
                        seen.add(company.siret)
                        yield company
            total_pages = int(body.get("total_pages") or 0)
            if not results or page >= total_pages:
                return
            if page >= self.max_pages:
                self.truncated = True
                log.warning("Recherche d'entreprises: %s results for %s in %s, only the "
                            "first %d pages are served", body.get("total_results"), naf,
                            department, self.max_pages)
                return
            page += 1

    async def _get(self, params: dict[str, Any]) -> dict[str, Any]:
        response = await self._http.get(self._client, f"{self.base_url}/search", params)
        return _json(response)

    @property
    def requests(self) -> int:
        return self._http.requests

    @property
    def retries(self) -> int:
        return self._http.retries

    @property
    def throttled(self) -> int:  # 429 answers
        return self._http.throttled


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise EntreprisesApiError(f"réponse non JSON de l'API ({response.status_code})") from None
    if not isinstance(body, dict) or not isinstance(body.get("results", []), list):
        raise EntreprisesApiError("réponse de l'API sans liste « results »")
    return body


def _api_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("erreur") or body.get("message") or body)[:300]
    return str(body)[:300]
