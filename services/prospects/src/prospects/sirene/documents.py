"""Each establishment as the JSON of a ``Company`` contract, built vectorised with Arrow.

A full-stock load publishes every new or changed establishment in ``companies.bulk_loaded``
events: hundreds of thousands of companies per million rows. Building their JSON with
pydantic (or with PostgreSQL's JSON functions) would take longer than reading the file;
Arrow builds it column by column in C++ for about a microsecond a row. The result is the
``Company`` contract exactly (keys in its order, null fields left out): the unit tests
parse every document back with pydantic and compare it with the row.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chantiers_common.events.prospects import Company

from .texts import utf8_bytes

_STRING = pa.string()
# Values the reader produced itself or checked against a closed list: nothing to escape.
_NO_ESCAPE = frozenset({"siret", "siren", "department", "location_source"})
_QUOTE, _BACKSLASH, _SPACE = 0x22, 0x5C, 0x20

assert next(iter(Company.model_fields)) == "siret", "the first key must never be null"


def _escaped(values: pa.Array) -> pa.Array:
    raw = utf8_bytes(values)
    if np.any((raw == _QUOTE) | (raw == _BACKSLASH)):
        values = pc.replace_substring(values, "\\", "\\\\")
        values = pc.replace_substring(values, '"', '\\"')
    return values


def _fragment(key: str, name: str, column: pa.Array) -> pa.Array:
    """``,"key":value`` for each row; null where the value is null."""
    kind = column.type
    if pa.types.is_string(kind):
        text = column if name in _NO_ESCAPE else _escaped(column)
        return pc.binary_join_element_wise(f'{key}"', text, '"', "")
    if pa.types.is_null(kind):
        return pa.nulls(len(column), _STRING)
    if pa.types.is_date32(kind):  # ISO 8601
        return pc.binary_join_element_wise(f'{key}"', pc.cast(column, _STRING), '"', "")
    if pa.types.is_boolean(kind):
        return pc.if_else(column, f"{key}true", f"{key}false")
    if pa.types.is_floating(kind):  # shortest round-trip form, valid JSON
        return pc.binary_join_element_wise(key, pc.cast(column, _STRING), "")
    raise TypeError(f"{name}: no JSON form for Arrow type {kind}")


def _escape_controls(documents: pa.Array) -> pa.Array:
    """Control characters (never in INSEE's data, possible in a hand-made file) as
    ``\\u00XX``: the only characters JSON forbids raw inside a string."""
    raw = utf8_bytes(documents)
    if not np.any(raw < _SPACE):
        return documents
    for code in np.unique(raw[raw < _SPACE]).tolist():
        documents = pc.replace_substring(documents, chr(code), f"\\u{code:04x}")
    return documents


def company_documents(columns: dict[str, pa.Array]) -> pa.Array:
    """One JSON document per row of ``columns`` (the COPY columns, as ``to_columns``
    returns them)."""
    parts = []
    for position, field in enumerate(Company.model_fields):
        key = ("{" if position == 0 else ",") + f'"{field}":'
        if field == "location":
            # lat and lon are null together (the reader places a row or not at all).
            fragment = pc.binary_join_element_wise(
                key + '{"lat":', pc.cast(columns["lat"], _STRING),
                ',"lon":', pc.cast(columns["lon"], _STRING), "}", "",
            )
        else:
            fragment = _fragment(key, field, columns[field])
        parts.append(pc.fill_null(fragment, "") if fragment.null_count else fragment)
    return _escape_controls(pc.binary_join_element_wise(*parts, "}", ""))
