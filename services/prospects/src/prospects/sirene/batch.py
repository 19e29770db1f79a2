"""What ``read_establishments`` yields: the kept rows as Arrow columns, counters, and,
on demand, rows for COPY, JSON documents and Company contracts.

The rows are plain tuples in ``COPY_COLUMNS`` order, typed for asyncpg's binary COPY
(``copy_records_to_table``): str, datetime.date, float, bool or None.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pyarrow as pa

from chantiers_common.events.common_types import GeoPoint
from chantiers_common.events.prospects import Company

from .documents import company_documents

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


ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "date": pa.date32(),
    "double precision": pa.float64(),
    "boolean": pa.bool_(),
}


def _python(column: pa.Array) -> list[Any]:
    """One column as Python values for asyncpg (dates built in C through numpy)."""
    if pa.types.is_date32(column.type):
        # numpy's datetime64[D].tolist() builds datetime.date objects in C (NaT → None).
        return column.to_numpy(zero_copy_only=False).tolist()
    return column.to_pylist()


def rows_of(columns: dict[str, pa.Array]) -> list[tuple[Any, ...]]:
    """The columns as tuples in COPY_COLUMNS order."""
    if not columns:
        return []
    return list(zip(*(_python(columns[name]) for name in COPY_COLUMNS), strict=True))


@dataclass(eq=False)
class EstablishmentBatch:
    """One slice of the file: its kept rows as Arrow columns (``COPY_COLUMNS``, lat/lon
    separate), and what happened to the others.

    ``rows`` (Python tuples, for asyncpg's binary COPY) and ``documents`` (each row as
    the JSON of its ``Company``) are made on first use: a bulk load needs the documents
    only, and copies the columns as CSV without a Python object per value.
    """

    columns: dict[str, pa.Array]  # empty when no row was kept
    stats: SireneStats
    first_line: int  # physical line numbers of the slice in the file
    last_line: int

    @classmethod
    def from_rows(cls, rows: list[tuple[Any, ...]], stats: SireneStats) -> EstablishmentBatch:
        """A batch of rows made elsewhere (an API), in COPY_COLUMNS order."""
        values = list(zip(*rows, strict=True)) if rows else [()] * len(COPY_COLUMNS)
        columns = {
            name: pa.array(list(column), ARROW_TYPES[COPY_COLUMN_TYPES[name]])
            for name, column in zip(COPY_COLUMNS, values, strict=True)
        } if rows else {}
        return cls(columns=columns, stats=stats, first_line=1, last_line=len(rows))

    def __len__(self) -> int:
        return len(self.columns["siret"]) if self.columns else 0

    @cached_property
    def rows(self) -> list[tuple[Any, ...]]:
        return rows_of(self.columns)

    @cached_property
    def documents(self) -> list[bytes]:
        """Each row as the JSON of its Company (UTF-8), built vectorised by Arrow."""
        if not self.columns:
            return []
        return company_documents(self.columns).cast(pa.binary()).to_pylist()

    def column(self, name: str) -> list[Any]:
        return _python(self.columns[name]) if self.columns else []

    def companies(self) -> list[Company]:
        """The rows as validated contracts (for deltas: too slow for a full stock)."""
        companies = []
        for row in self.rows:
            values = dict(zip(COPY_COLUMNS, row, strict=True))
            lat, lon = values.pop("lat"), values.pop("lon")
            values["location"] = GeoPoint(lat=lat, lon=lon) if lat is not None else None
            companies.append(Company(**values))
        return companies
