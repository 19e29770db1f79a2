"""How long the public-API clients (BOAMP, Recherche d'entreprises) wait before a retry."""

from __future__ import annotations

import random
from datetime import datetime
from email.utils import parsedate_to_datetime

import httpx


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
