"""Defaults and formats shared by the company commands and loaders.

Kept free of heavy imports (Arrow, pyproj, httpx), so that `chantiers` starts fast.
"""

from __future__ import annotations

import re

# Files with fewer rows publish an event per company; larger ones publish
# companies.bulk_loaded events (a day of SIRENE changes is a few thousand rows).
DEFAULT_DELTA_THRESHOLD = 50_000
# About 330 bytes of JSON per company: an event of 1,000 is ~0.33 MB. The platform
# batches by message count (relay: 500 rows; consumers: prefetch 256), so bigger events
# would have a relay or a consumer hold hundreds of MB at once.
DEFAULT_EVENT_SIZE = 1_000
# Rows read, converted and loaded at a time. Two batches are in memory at once (one
# loading, the next being prepared); 25,000 rows keep a full-stock load under 500 MB.
LOAD_BATCH_SIZE = 25_000
# Outbox rows a command reads at a time when it publishes (bulk events are ~0.33 MB).
PUBLISH_BATCH = 50

ENTREPRISES_API_URL = "https://recherche-entreprises.api.gouv.fr"
NAF_CODE = re.compile(r"^\d{2}\.\d{2}[A-Z]$")
# The departments the API knows (its own pattern: mainland, Corsica, 971-976).
API_DEPARTMENT = re.compile(r"^(0[1-9]|[1-8]\d|9[0-5]|2[AB]|97[1-6])$")
