"""The live connector: new notices from BOAMP's open-data API (opendatasoft v2.1) since a
date.

The ``records`` endpoint serves at most 100 records a page and refuses
``offset + limit > 10 000``. So the period is cut into windows of publication dates
(``dateparution``), each paged with offsets; a window that holds more than 10,000
notices is split in two until it fits. A single day above 10,000 (BOAMP publishes about
340 a day) is an error rather than silently truncated data.

Transient failures (429, 5xx, timeouts, dropped connections) are retried with
exponential back-off, honouring ``Retry-After``; other HTTP errors stop at once with the
API's message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx

from ..http_retry import RetryingGet
from .values import utc_now

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = (
    "https://boamp-datadila.opendatasoft.com/api/explore/v2.1/catalog/datasets/boamp/records"
)
PAGE_SIZE = 100  # the API's maximum
MAX_WINDOW_RECORDS = 10_000  # offset + limit may not exceed it


class BoampApiError(RuntimeError):
    """The API refused a request, or kept failing after every retry."""


@dataclass(frozen=True, slots=True)
class Window:
    """Publication dates from ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def where(self) -> str:
        return (
            f'dateparution >= "{self.start.isoformat()}"'
            f' AND dateparution <= "{self.end.isoformat()}"'
        )

    def halves(self) -> tuple[Window, Window]:
        middle = self.start + timedelta(days=self.days // 2 - 1)
        return Window(self.start, middle), Window(middle + timedelta(days=1), self.end)


class BoampClient:
    """Pulls notices page by page; use as an async context manager or pass a client."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        client: httpx.AsyncClient | None = None,
        window_days: int = 7,
        page_size: int = PAGE_SIZE,
        max_window_records: int = MAX_WINDOW_RECORDS,
        max_attempts: int = 6,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        timeout: float = 60.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not 1 <= page_size <= PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {PAGE_SIZE}")
        self.base_url = base_url
        self.window_days = max(1, window_days)
        self.page_size = page_size
        self.max_window_records = max_window_records
        self._http = RetryingGet(
            api="BOAMP API", error=BoampApiError, message=_api_message,
            max_attempts=max_attempts, backoff_base=backoff_base, backoff_max=backoff_max,
            sleep=sleep)
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(
            timeout=timeout, headers={"Accept": "application/json"}, follow_redirects=True
        )

    async def __aenter__(self) -> BoampClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()

    async def notices_since(
        self, since: date, until: date | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Every notice published from ``since`` to ``until`` (today by default), both
        included, oldest window first; each record once even if pages overlap."""
        until = until or utc_now().date()
        if until < since:
            return
        pending: list[Window] = []
        cursor = since
        while cursor <= until:
            end = min(until, cursor + timedelta(days=self.window_days - 1))
            pending.append(Window(cursor, end))
            cursor = end + timedelta(days=1)
        pending.reverse()  # used as a stack: the oldest window is popped first
        while pending:
            window = pending.pop()
            first = await self._page(window, offset=0)
            total = int(first.get("total_count") or 0)
            if total > self.max_window_records:
                if window.days == 1:
                    raise BoampApiError(
                        f"{total} avis publiés le {window.start}: plus que les "
                        f"{self.max_window_records} qu'une fenêtre peut paginer"
                    )
                older, newer = window.halves()
                log.info("window %s..%s holds %d notices: split", window.start, window.end, total)
                pending.extend([newer, older])
                continue
            seen: set[str] = set()
            page = first
            offset = 0
            while True:
                results = page.get("results") or []
                for record in results:
                    key = str(record.get("idweb") or record.get("id") or "")
                    if key and key in seen:
                        continue
                    seen.add(key)
                    yield record
                offset += len(results)
                if not results or offset >= total or offset + self.page_size > (
                    self.max_window_records
                ):
                    break
                page = await self._page(window, offset=offset)

    async def _page(self, window: Window, *, offset: int) -> dict[str, Any]:
        params = {
            "where": window.where(),
            "order_by": "dateparution, idweb",
            "limit": self.page_size,
            "offset": offset,
        }
        response = await self._get(params)
        try:
            body = response.json()
        except ValueError:
            raise BoampApiError(f"réponse non JSON de l'API ({response.status_code})") from None
        if not isinstance(body, dict) or not isinstance(body.get("results", []), list):
            raise BoampApiError("réponse de l'API sans liste « results »")
        return body

    async def _get(self, params: dict[str, Any]) -> httpx.Response:
        response = await self._http.get(self._client, self.base_url, params)
        return response

    @property
    def requests(self) -> int:
        return self._http.requests

    @property
    def retries(self) -> int:
        return self._http.retries


def _api_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error_code") or body)[:300]
    return str(body)[:300]
