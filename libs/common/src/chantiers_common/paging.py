"""Query parameters shared by the services' paginated routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

# Bounded so that OFFSET always fits PostgreSQL's bigint: a larger value is the caller's
# mistake (a 422 naming the field), not a 500 from the database.
MAX_OFFSET = 1_000_000

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip")]
