"""Streaming a SIRENE CSV file (plain, zipped or gzipped) as Arrow record batches.

Parsing is Apache Arrow's CSV reader: C++, one block (a few MB) at a time, and only the
columns we keep are ever turned into values. The csv module would spend ~3 µs a row
creating 53 Python strings, most of them for columns we drop; that alone would use up the
whole time budget of a full-stock ingest.

Everything that can go wrong with the *file* becomes a ``SireneFileError`` with a place:
not UTF-8 (checked on the header and on every column we read; a bad byte confined to a
column we never read cannot reach the database and is let through), a truncated or
corrupt archive, a line far longer than anything INSEE
publishes (held back by the block size, so a hostile file cannot make us read a
gigantic "line" into memory). Rows with the wrong number of fields are skipped and
reported, with their line number, by the caller.
"""

from __future__ import annotations

import csv
import gzip
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Self

import pyarrow as pa
import pyarrow.csv as pacsv

from .errors import SireneFileError

# Real StockEtablissement lines are under 1,500 characters; a block of 1 MiB holds about
# 4,500 of them, and a single line longer than that is refused by Arrow itself. Arrow's
# memory grows with the block (~35 MB at 1 MiB, ~140 MB at 4 MiB) and smaller blocks are
# not slower (measured on the generated 1M-row file).
BLOCK_BYTES = 1 << 20
MAX_HEADER_BYTES = 64 << 10
# INSEE masks fields of establishments under partial diffusion with "[ND]": read as null.
NULL_VALUES = ["", "[ND]"]
_ZIP_MAGIC = b"PK\x03\x04"
_GZIP_MAGIC = b"\x1f\x8b"
# Raised by a damaged archive, whichever layer notices first.
_ARCHIVE_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, gzip.BadGzipFile)


def _kind(path: Path) -> str:
    try:
        with path.open("rb") as probe:
            magic = probe.read(4)
    except OSError as exc:
        raise SireneFileError(f"Fichier illisible : {path} ({exc.strerror})") from exc
    if magic.startswith(_ZIP_MAGIC):
        return "zip"
    if magic.startswith(_GZIP_MAGIC):
        return "gzip"
    return "plain"


def _zip_member(path: Path, stack: ExitStack) -> IO[bytes]:
    try:
        archive = stack.enter_context(zipfile.ZipFile(path))
    except (zipfile.BadZipFile, OSError) as exc:
        raise SireneFileError(f"Archive ZIP illisible ou tronquée : {path.name} ({exc})") from exc
    members = [m for m in archive.infolist() if m.filename.lower().endswith(".csv")]
    if len(members) != 1:
        found = ", ".join(m.filename for m in archive.infolist()) or "aucun fichier"
        raise SireneFileError(
            f"L'archive {path.name} doit contenir un seul fichier CSV (trouvé : {found})"
        )
    return stack.enter_context(archive.open(members[0]))


def _python_stream(path: Path, stack: ExitStack) -> IO[bytes]:
    """The CSV bytes as a Python stream (for the header and for error diagnosis)."""
    kind = _kind(path)
    if kind == "zip":
        return _zip_member(path, stack)
    if kind == "gzip":
        return stack.enter_context(gzip.open(path, "rb"))
    return stack.enter_context(path.open("rb"))


def _arrow_source(path: Path, stack: ExitStack) -> Any:
    """The CSV bytes for Arrow: native file reads where possible."""
    kind = _kind(path)
    if kind == "zip":
        return _zip_member(path, stack)
    if kind == "gzip":
        return stack.enter_context(pa.input_stream(str(path), compression="gzip"))
    return stack.enter_context(pa.input_stream(str(path)))


def locate_undecodable(path: Path) -> str:
    """Where the first non-UTF-8 byte is, said for a person (slow: used on error only)."""
    with ExitStack() as stack:
        binary = _python_stream(path, stack)
        offset = 0
        for number, line in enumerate(binary, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad = line[exc.start : exc.start + 1]
                hint = ""
                try:
                    line.decode("cp1252")
                    hint = " ; il semble encodé en Latin-1/Windows-1252"
                except UnicodeDecodeError:
                    pass
                return (
                    f"ligne {number}, octet {offset + exc.start} du fichier "
                    f"(0x{bad.hex().upper()}){hint}"
                )
            offset += len(line)
    return "position inconnue"


def read_header(path: Path) -> tuple[list[str], str]:
    """The header's column names and the delimiter (INSEE: comma; some re-exports: ;)."""
    with ExitStack() as stack:
        binary = _python_stream(path, stack)
        try:
            first = binary.readline(MAX_HEADER_BYTES)
        except _ARCHIVE_ERRORS as exc:
            raise SireneFileError(f"Archive tronquée ou corrompue ({path.name}) : {exc}") from exc
    if not first.strip():
        raise SireneFileError(f"Fichier vide : {path.name}")
    if len(first) == MAX_HEADER_BYTES and not first.endswith(b"\n"):
        raise SireneFileError(f"En-tête de plus de {MAX_HEADER_BYTES} octets : {path.name}")
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SireneFileError(
            f"Fichier non UTF-8 ({path.name}) : {locate_undecodable(path)}"
        ) from exc
    delimiter = ";" if text.count(";") > text.count(",") else ","
    header = next(csv.reader([text], delimiter=delimiter))
    return [h.strip() for h in header], delimiter


@dataclass(frozen=True)
class InvalidRow:
    line: int | None
    fields: int


class ArrowCsvBatches:
    """Record batches of the chosen columns (all strings, "" and [ND] as null).

    Use as a context manager, iterate for (batch, invalid rows met while reading it).
    """

    def __init__(
        self,
        path: Path,
        columns: list[str],
        *,
        delimiter: str = ",",
        block_bytes: int = BLOCK_BYTES,
        use_threads: bool = False,
    ) -> None:
        self.path = Path(path)
        self._columns = columns
        self._delimiter = delimiter
        self._block = block_bytes
        # One thread by default: the other core belongs to PostgreSQL during a COPY. It
        # also keeps line numbers exact in the invalid-row reports.
        self._threads = use_threads
        self._stack = ExitStack()
        self._invalid: list[InvalidRow] = []
        self._reader: Any = None

    def _on_invalid(self, row: Any) -> str:
        self._invalid.append(InvalidRow(line=row.number, fields=row.actual_columns))
        return "skip"

    def __enter__(self) -> Self:
        try:
            source = _arrow_source(self.path, self._stack)
            self._reader = self._guard(
                lambda: pacsv.open_csv(
                    source,
                    read_options=pacsv.ReadOptions(
                        block_size=self._block, use_threads=self._threads
                    ),
                    parse_options=pacsv.ParseOptions(
                        delimiter=self._delimiter, invalid_row_handler=self._on_invalid
                    ),
                    convert_options=pacsv.ConvertOptions(
                        include_columns=self._columns,
                        column_types={c: pa.string() for c in self._columns},
                        null_values=NULL_VALUES,
                        strings_can_be_null=True,
                        quoted_strings_can_be_null=True,
                    ),
                )
            )
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    @property
    def schema(self) -> pa.Schema:
        return self._reader.schema

    def __iter__(self) -> Iterator[tuple[pa.RecordBatch, list[InvalidRow]]]:
        while True:
            batch = self._guard(self._next)
            if batch is None:
                if self._invalid:  # invalid rows after the last good one
                    yield pa.RecordBatch.from_pylist([], schema=self.schema), self._take()
                return
            yield batch, self._take()

    def _next(self) -> pa.RecordBatch | None:
        try:
            return self._reader.read_next_batch()
        except StopIteration:
            return None

    def _take(self) -> list[InvalidRow]:
        taken, self._invalid = self._invalid, []
        return taken

    def _guard(self, step: Any) -> Any:
        """Run one read step, turning low-level failures into a SireneFileError."""
        name = self.path.name
        try:
            return step()
        except pa.ArrowInvalid as exc:
            message = str(exc)
            if "UTF8" in message:
                raise SireneFileError(
                    f"Fichier non UTF-8 ({name}) : {locate_undecodable(self.path)}"
                ) from exc
            if "straddl" in message:
                raise SireneFileError(
                    f"Ligne de plus de {self._block} octets dans {name} : fichier corrompu "
                    "ou hostile, rien n'a été importé"
                ) from exc
            raise SireneFileError(f"CSV invalide ({name}) : {message}") from exc
        except _ARCHIVE_ERRORS as exc:
            raise SireneFileError(f"Archive tronquée ou corrompue ({name}) : {exc}") from exc
        except OSError as exc:  # Arrow's gzip reader reports truncation as an I/O error
            raise SireneFileError(f"Fichier tronqué ou illisible ({name}) : {exc}") from exc


def estimated_rows(path: Path) -> int | None:
    """About how many data rows the file holds (for a progress bar), from its size and
    the length of its first lines; None when the size cannot be known (gzip)."""
    kind = _kind(path)
    try:
        if kind == "gzip":
            return None
        if kind == "zip":
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.infolist() if m.filename.lower().endswith(".csv")]
                if len(members) != 1:
                    return None
                size = members[0].file_size
        else:
            size = path.stat().st_size
        with ExitStack() as stack:
            sample = _python_stream(path, stack).read(256 << 10)
    except (OSError, *_ARCHIVE_ERRORS):
        return None
    lines = sample.count(b"\n")
    if lines < 2:
        return 1 if sample.strip() else 0
    if len(sample) < (256 << 10):  # the whole file was read
        return lines - 1
    return max(1, round(size / (len(sample) / lines)) - 1)
