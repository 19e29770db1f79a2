"""How long the public-API clients (BOAMP, Recherche d'entreprises) wait before a retry."""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

log = logging.getLogger(__name__)


def backoff(attempt: int, base: float, maximum: float) -> float:
    """Exponential with full jitter, so that several loaders do not retry in step."""
    ceiling = min(maximum, base * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


def retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds or as an HTTP date."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())


RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class RetryingGet:
    """GET with retries, shared by the public-API clients: transport errors and the
    statuses above are retried (``Retry-After`` honoured, else jittered backoff, never
    longer than ``backoff_max``); any other 4xx/5xx raises ``error`` at once. Counts the
    requests, retries and 429 answers for the ingest report."""

    def __init__(self, *, api: str, error: type[Exception],
                 message: Callable[[httpx.Response], str], max_attempts: int,
                 backoff_base: float, backoff_max: float,
                 sleep: Callable[[float], Awaitable[None]],
                 before: Callable[[], Awaitable[None]] | None = None) -> None:
        self.api, self.error, self.message = api, error, message
        self.max_attempts = max(1, max_attempts)
        self.backoff_base, self.backoff_max = backoff_base, backoff_max
        self._sleep = sleep
        self._before = before  # e.g. a rate limiter's acquire, before every attempt
        self.requests = 0
        self.retries = 0
        self.throttled = 0

    async def get(self, client: httpx.AsyncClient, url: str,
                  params: dict[str, Any]) -> httpx.Response:
        last_error = ""
        for attempt in range(1, self.max_attempts + 1):
            if self._before is not None:
                await self._before()
            self.requests += 1
            try:
                response = await client.get(url, params=params)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last_error = f"{type(exc).__name__}: {exc}"
                delay = backoff(attempt, self.backoff_base, self.backoff_max)
            else:
                if response.status_code < 400:
                    return response
                if response.status_code not in RETRY_STATUSES:
                    raise self.error(f"l'API a refusé la requête ({response.status_code}) : "
                                     f"{self.message(response)}")
                last_error = f"HTTP {response.status_code}"
                self.throttled += response.status_code == 429
                wait = retry_after(response)
                delay = (wait if wait is not None
                         else backoff(attempt, self.backoff_base, self.backoff_max))
            if attempt == self.max_attempts:
                break
            self.retries += 1
            log.warning("%s: %s, retry %d in %.1fs", self.api, last_error, attempt, delay)
            await self._sleep(min(delay, self.backoff_max))
        raise self.error(f"l'API ne répond pas après {self.max_attempts} essais "
                         f"(dernière erreur : {last_error})")
