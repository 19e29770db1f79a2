"""JSON objects that remember their duplicated keys.

A record that names a key twice is ambiguous: JSON parsers silently keep the last value,
so a hostile or broken export could show one idweb to a person and load another. Records
are built with :class:`KeyedRecord` (ijson's ``map_type``, json's ``object_pairs_hook``)
and the notice parser refuses any record, or ``donnees`` document, with a duplicated key.
"""

from __future__ import annotations

from typing import Any


class KeyedRecord(dict[str, Any]):
    __slots__ = ("duplicates",)

    def __init__(self) -> None:
        super().__init__()
        self.duplicates: set[str] = set()

    def __setitem__(self, key: str, value: Any) -> None:
        if key in self:
            self.duplicates.add(key)
        super().__setitem__(key, value)


def from_pairs(pairs: list[tuple[str, Any]]) -> KeyedRecord:
    record = KeyedRecord()
    for key, value in pairs:
        record[key] = value
    return record


def duplicated_keys(value: Any, path: str = "") -> list[str]:
    """Every duplicated key in a decoded value, with where it is (``donnees.IDENTITE.CP``)."""
    found: list[str] = []
    if isinstance(value, KeyedRecord):
        found += [f"{path}{key}" for key in sorted(value.duplicates)]
    if isinstance(value, dict):
        for key, item in value.items():
            found += duplicated_keys(item, f"{path}{key}.")
    elif isinstance(value, list):
        for item in value:
            found += duplicated_keys(item, path)
    return found
