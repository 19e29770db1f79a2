"""What ``read_establishments`` yields: rows ready for COPY, counters, and Company contracts.

The rows are plain tuples in ``COPY_COLUMNS`` order, typed for asyncpg's binary COPY
(``copy_records_to_table``): str, datetime.date, float, bool or None. Large loads copy
them as they are; small delta files turn them into ``Company`` contracts to publish.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from chantiers_common.events.common_types import GeoPoint
from chantiers_common.events.prospects import Company

# Column name → PostgreSQL type. The names are Company's fields, with its location split
# into lat/lon so that the database can index them (or build a PostGIS point) itself.
COPY_COLUMN_TYPES: dict[str, str] = {
    "siret": "text",
    "siren": "text",
    "name": "text",
    "enseigne": "text",
    "naf": "text",
    "naf2025": "text",
    "headcount_band": "text",
    "created_on": "date",
    "address": "text",
    "commune_insee": "text",
    "post_code": "text",
    "department": "text",
    "lat": "double precision",
    "lon": "double precision",
    "location_source": "text",
    "active": "boolean",
    "category": "text",
    "ess": "boolean",
    "mission": "boolean",
}
COPY_COLUMNS: tuple[str, ...] = tuple(COPY_COLUMN_TYPES)

# Keys of SireneStats.location; in the rows, "none" is a NULL location_source.
LOCATION_SOURCES: tuple[str, ...] = ("lambert", "wgs84", "commune", "none")
MAX_BAD_EXAMPLES = 20


@dataclass
class SireneStats:
    """Counters for one batch, or (summed with +=) for a whole file."""

    read: int = 0  # data rows read from the file (the header excluded)
    kept: int = 0  # rows in the batch
    closed: int = 0  # closed establishments met (kept only with include_closed)
    bad: Counter[str] = field(default_factory=Counter)  # rows rejected, by reason
    warnings: Counter[str] = field(default_factory=Counter)  # values dropped, row kept
    location: Counter[str] = field(default_factory=Counter)  # rows by location source
    bad_examples: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)

    @property
    def bad_rows(self) -> int:
        return sum(self.bad.values())

    def reject(self, line: int, reason: str, count: int = 1) -> None:
        self.bad[reason] += count
        if len(self.bad_examples) < MAX_BAD_EXAMPLES:
            self.bad_examples.append((line, reason))

    def __iadd__(self, other: SireneStats) -> SireneStats:
        self.read += other.read
        self.kept += other.kept
        self.closed += other.closed
        self.bad.update(other.bad)
        self.warnings.update(other.warnings)
        self.location.update(other.location)
        room = MAX_BAD_EXAMPLES - len(self.bad_examples)
        self.bad_examples.extend(other.bad_examples[:room])
        return self


@dataclass
class EstablishmentBatch:
    """One slice of the file: rows in COPY_COLUMNS order, and what happened to the others."""

    rows: list[tuple[Any, ...]]
    stats: SireneStats
    first_line: int  # physical line numbers of the slice in the file
    last_line: int

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> list[Any]:
        index = COPY_COLUMNS.index(name)
        return [row[index] for row in self.rows]

    def companies(self) -> list[Company]:
        """The rows as validated contracts (for deltas: too slow for a full stock)."""
        companies = []
        for row in self.rows:
            values = dict(zip(COPY_COLUMNS, row, strict=True))
            lat, lon = values.pop("lat"), values.pop("lon")
            values["location"] = GeoPoint(lat=lat, lon=lon) if lat is not None else None
            companies.append(Company(**values))
        return companies
