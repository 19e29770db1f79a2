"""BOAMP files as a stream of raw records, with clear errors for the files we refuse.

Accepted shapes, told apart by their first bytes:

- an API page ``{"total_count": …, "results": [...]}`` (pretty-printed or not);
- a JSON array of records (the API's ``exports/json``), or of pages;
- JSON lines: one record, or one page, per line;
- DILA's XML notice (one ``.xml`` file, one notice).

Arrays and pages are streamed with ijson, JSON lines line by line, so a file of any size
is read in bounded memory (a single field is still held whole: it is checked against
``max_field_chars`` as soon as its record is complete). Errors are :class:`BoampFileError`
naming the file and the position (line and column, or byte offset) in French.

Records are yielded as they are read: a loader that must commit nothing from a bad file
reads it inside one transaction, or calls :func:`count_records` first.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from .duplicates import KeyedRecord, from_pairs
from .errors import BoampFileError
from .xmlnotice import read_xml_record

MAX_FIELD_CHARS = 5_000_000
MAX_LINE_BYTES = 64 * 1024 * 1024
# Below this size a broken document is re-read to tell the exact line and column.
LOCATE_LIMIT = 64 * 1024 * 1024
# Keys of which a BOAMP record has at least one.
RECORD_KEYS = frozenset({"idweb", "id", "objet", "donnees", "nomacheteur"})

_UTF8_BOM = codecs.BOM_UTF8
_OTHER_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}


def read_records(
    path: Path | str,
    *,
    max_field_chars: int = MAX_FIELD_CHARS,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Iterator[dict[str, Any]]:
    """Every record of a BOAMP file, in file order."""
    path = Path(path)
    if path.suffix.lower() == ".xml":
        yield read_xml_record(path)
        return
    try:
        handle = path.open("rb")
    except OSError as error:
        raise BoampFileError(f"{path} : ouverture impossible ({error.strerror})") from None
    with handle:
        checker = _RecordChecker(path, max_field_chars)
        start, first = _sniff(path, handle)
        if first == b"[":
            source = _stream(path, handle, "item")
        elif first == b"{" and _first_line_is_json(handle, start, max_line_bytes):
            source = _json_lines(path, handle, max_line_bytes)
        elif first == b"{":
            source = _page_document(path, handle, start)
        else:
            raise BoampFileError(
                f"{path} : octet {start} : {first!r} — ni un tableau JSON, ni une page de "
                "l'API, ni du JSON lines"
            )
        for position, value in source:
            for record in _records_of(path, position, value):
                checker.check(position, record)
                yield record


def count_records(path: Path | str, **limits: int) -> int:
    """Read the whole file once (no parsing of notices): the number of records, or the
    :class:`BoampFileError` a load would meet half-way."""
    return sum(1 for _ in read_records(path, **limits))


def _sniff(path: Path, handle: BinaryIO) -> tuple[int, bytes]:
    """Offset and value of the first meaningful byte, after a UTF-8 BOM."""
    head = handle.read(4)
    for bom, name in _OTHER_BOMS.items():
        if head.startswith(bom):
            raise BoampFileError(f"{path} : fichier encodé en {name}, UTF-8 attendu")
    offset = len(_UTF8_BOM) if head.startswith(_UTF8_BOM) else 0
    handle.seek(offset)
    while True:
        chunk = handle.read(65536)
        if not chunk:
            raise BoampFileError(f"{path} : fichier vide")
        stripped = chunk.lstrip(b" \t\r\n")
        if stripped:
            offset += len(chunk) - len(stripped)
            if stripped[:1] == b"\x00" or b"\x00" in stripped[:2]:
                raise BoampFileError(
                    f"{path} : octets nuls au début du fichier (UTF-16 sans BOM ?), UTF-8 attendu"
                )
            handle.seek(offset)
            return offset, stripped[:1]
        offset += len(chunk)


def _first_line_is_json(handle: BinaryIO, start: int, max_line_bytes: int) -> bool:
    """JSON lines start with a complete value on the first line; a pretty-printed page
    does not (its first line is ``{``)."""
    line = handle.readline(max_line_bytes + 1)
    handle.seek(start)
    if len(line) > max_line_bytes:
        # Too long to test: read as JSON lines, which refuses it clearly (an API page is
        # a few megabytes at most; a bigger one-line document is not something we take).
        return True
    try:
        # Bad bytes are reported by the JSON lines reader, with their line.
        json.loads(line.decode("utf-8", errors="replace"))
    except (json.JSONDecodeError, RecursionError):
        return False
    return True


def _json_lines(path: Path, handle: BinaryIO, max_line_bytes: int) -> Iterator[tuple[str, Any]]:
    number = 0
    while True:
        line = handle.readline(max_line_bytes + 1)
        if not line:
            return
        number += 1
        if len(line) > max_line_bytes and not line.endswith(b"\n"):
            raise BoampFileError(
                f"{path} : ligne {number} plus longue que {max_line_bytes // (1024 * 1024)} Mo"
            )
        if not line.strip():
            continue
        try:
            decoded = line.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BoampFileError(
                f"{path} : ligne {number}, octet {error.start + 1} : encodage invalide "
                f"(octet {line[error.start]:#04x}), UTF-8 attendu"
            ) from None
        try:
            value = json.loads(decoded, object_pairs_hook=from_pairs)
        except json.JSONDecodeError as error:
            # Only the last line of a file cut short lacks its newline.
            hint = " (ligne tronquée ?)" if not line.endswith(b"\n") else ""
            raise BoampFileError(
                f"{path} : ligne {number}, colonne {error.colno} : JSON invalide{hint} — "
                f"{error.msg}"
            ) from None
        except RecursionError:
            raise BoampFileError(
                f"{path} : ligne {number} : JSON imbriqué trop profondément"
            ) from None
        yield f"ligne {number}", value


class _CountingReader:
    """Tells how far ijson has read, for error messages on files too big to re-read."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.consumed = 0

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.consumed += len(data)
        return data


def _stream(path: Path, handle: BinaryIO, prefix: str) -> Iterator[tuple[str, Any]]:
    reader = _CountingReader(handle)
    start = handle.tell()
    number = 0
    try:
        records = ijson.items(reader, prefix, use_float=True, map_type=KeyedRecord)
        for number, value in enumerate(records, start=1):
            yield f"enregistrement n°{number}", value
    except ijson.JSONError as error:
        raise _located_error(path, error, after=number, offset=start + reader.consumed) from None
    except RecursionError:
        raise BoampFileError(f"{path} : JSON imbriqué trop profondément après l'enregistrement "
                             f"n°{number}") from None


def _page_document(path: Path, handle: BinaryIO, start: int) -> Iterator[tuple[str, Any]]:
    """A pretty-printed API page: its ``results`` are streamed; a document without them
    is explained (error page of the API, single record, something else)."""
    found = 0
    for found, item in enumerate(_stream(path, handle, "results.item"), start=1):  # noqa: B007
        yield item
    if found:
        return
    handle.seek(start)
    try:
        keys = [value for prefix, event, value in ijson.parse(handle) if prefix == ""
                and event == "map_key"]
    except ijson.JSONError as error:
        raise _located_error(path, error, after=0, offset=start) from None
    if "results" in keys:
        return  # an empty page: no record, and nothing wrong
    if "error_code" in keys or "message" in keys:
        handle.seek(start)
        page = json.loads(handle.read().decode("utf-8", errors="replace"))
        raise BoampFileError(
            f"{path} : page d'erreur de l'API ({page.get('error_code')}) : {page.get('message')}"
        )
    if RECORD_KEYS & set(keys):
        handle.seek(start)
        yield "enregistrement n°1", json.loads(handle.read().decode("utf-8"),
                                               object_pairs_hook=from_pairs)
        return
    raise BoampFileError(
        f"{path} : objet JSON sans « results » (clés : {', '.join(keys[:8])}) — "
        "ni une page de l'API ni un avis"
    )


def _records_of(path: Path, position: str, value: Any) -> Iterator[dict[str, Any]]:
    """A value read from the file is a record, or a page of records."""
    if isinstance(value, dict) and isinstance(value.get("results"), list):
        for index, item in enumerate(value["results"], start=1):
            if not isinstance(item, dict):
                raise BoampFileError(
                    f"{path} : {position}, résultat n°{index} : {type(item).__name__} au lieu "
                    "d'un objet"
                )
            yield item
    elif isinstance(value, dict):
        yield value
    else:
        raise BoampFileError(
            f"{path} : {position} : {type(value).__name__} au lieu d'un objet (avis ou page)"
        )


class _RecordChecker:
    """Refuses files whose records are not BOAMP's, or carry hostile field sizes."""

    def __init__(self, path: Path, max_field_chars: int) -> None:
        self.path = path
        self.max_field_chars = max_field_chars
        self.seen = 0

    def check(self, position: str, record: dict[str, Any]) -> None:
        self.seen += 1
        if self.seen == 1 and not RECORD_KEYS & record.keys():
            keys = ", ".join(sorted(record)[:8]) or "aucune"
            raise BoampFileError(
                f"{self.path} : {position} ne ressemble pas à un avis BOAMP (clés : {keys}) ; "
                "attendu : idweb, objet, nomacheteur, donnees…"
            )
        for name, value in record.items():
            size = _largest_string(value)
            if size > self.max_field_chars:
                raise BoampFileError(
                    f"{self.path} : {position} (idweb {record.get('idweb')!r}) : "
                    f"champ « {name} » de {_thousands(size)} caractères, au-delà de la limite "
                    f"de {_thousands(self.max_field_chars)}"
                )


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def _largest_string(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return max((_largest_string(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return max((_largest_string(v) for v in value), default=0)
    return 0


def _located_error(path: Path, error: Exception, *, after: int, offset: int) -> BoampFileError:
    """The most precise message we can give: exact line and column when the file is small
    enough to re-read, else the byte offset ijson had reached."""
    detail = str(error).splitlines()[0] if str(error) else type(error).__name__
    try:
        size = path.stat().st_size
    except OSError:
        size = LOCATE_LIMIT + 1
    if size <= LOCATE_LIMIT:
        data = path.read_bytes()
        try:
            decoded = data.decode("utf-8-sig")
        except UnicodeDecodeError as decode_error:
            line = data.count(b"\n", 0, decode_error.start) + 1
            return BoampFileError(
                f"{path} : octet {decode_error.start} (ligne {line}) : encodage invalide "
                f"(octet {data[decode_error.start]:#04x}), UTF-8 attendu"
            )
        try:
            json.loads(decoded)
        except json.JSONDecodeError as json_error:
            truncated = json_error.pos >= len(decoded.rstrip())
            what = "JSON tronqué" if truncated else "JSON invalide"
            return BoampFileError(
                f"{path} : ligne {json_error.lineno}, colonne {json_error.colno} : {what} "
                f"après l'enregistrement n°{after} — {json_error.msg}"
            )
        except RecursionError:
            return BoampFileError(f"{path} : JSON imbriqué trop profondément")
    if "UTF8" in detail or "UTF-8" in detail:
        return BoampFileError(f"{path} : vers l'octet {offset} : encodage invalide, UTF-8 attendu")
    return BoampFileError(
        f"{path} : vers l'octet {offset}, après l'enregistrement n°{after} : JSON invalide ou "
        f"tronqué — {detail}"
    )
