"""Knowing when the pipeline has finished: nothing queued, nothing in flight.

The pipeline is quiet when, twice in a row, every service reports an empty outbox and no
pending work (``/stats`` keys starting with ``pending``), and every consumer queue of the
vhost (retry queues included) holds no message, ready or unacknowledged.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from urllib.parse import quote

import httpx


def queue_depths(management_url: str, vhost: str) -> dict[str, int]:
    response = httpx.get(f"{management_url}/api/queues/{quote(vhost, safe='')}",
                         auth=("guest", "guest"), timeout=60)
    response.raise_for_status()
    return {
        # Just after a broker restart the API lists a queue before its first statistics
        # are in: no figure is not an empty queue, so it counts as busy (-1) until known.
        q["name"]: int(q["messages"]) if q.get("messages") is not None else -1
        for q in response.json()
        # The event log is a stream: it keeps every event by design.
        if q.get("type") != "stream" and not q["name"].endswith(".dlq")
    }


def busy_services(urls: Iterable[str]) -> dict[str, int]:
    busy = {}
    for url in urls:
        # A service busy with a burst answers slowly, but answers.
        stats = httpx.get(f"{url}/stats", timeout=60).json()
        for key, value in stats.items():
            if (key == "outbox_pending" or key.startswith("pending")) and value:
                busy[f"{stats.get('service', url)}.{key}"] = int(value)
    return busy


def wait_quiet(service_urls: Iterable[str], management_url: str, vhost: str, *,
               timeout: float = 600, settle: float = 1.0) -> float:
    """Block until quiet; returns the seconds waited. Raises TimeoutError with what is
    still busy."""
    urls = list(service_urls)
    started = time.monotonic()
    quiet_rounds = 0
    while True:
        # The management API refreshes queue figures every few seconds at most; the
        # service counters are exact. Two quiet rounds a `settle` apart are required.
        busy = busy_services(urls)
        busy.update({f"queue {k}": v for k, v in queue_depths(management_url, vhost).items()
                     if v})
        quiet_rounds = quiet_rounds + 1 if not busy else 0
        if quiet_rounds >= 2:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"pipeline still busy after {timeout:.0f} s: {busy}")
        time.sleep(settle)
