"""SIRENE StockEtablissement files → companies, fast enough for the full stock.

``read_establishments`` streams batches of converted columns (rows for COPY, Company
JSON documents and contracts on demand), ``generate_stock_file`` writes realistic files
for tests and benchmarks.
"""

from .batch import (
    COPY_COLUMN_TYPES,
    COPY_COLUMNS,
    LOCATION_SOURCES,
    EstablishmentBatch,
    SireneStats,
)
from .errors import SireneFileError
from .generator import generate_stock_file
from .ingest import DEFAULT_BATCH_SIZE, read_establishments

__all__ = [
    "COPY_COLUMNS",
    "COPY_COLUMN_TYPES",
    "DEFAULT_BATCH_SIZE",
    "LOCATION_SOURCES",
    "EstablishmentBatch",
    "SireneFileError",
    "SireneStats",
    "generate_stock_file",
    "read_establishments",
]
