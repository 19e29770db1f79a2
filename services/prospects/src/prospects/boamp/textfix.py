"""Repair of the mis-encoded characters some BOAMP texts carry (titles, buyer names).

Seen in the real records: Windows-1252 punctuation decoded as Latin-1 (``d\\x92un``),
UTF-8 read as Windows-1252 (``â€™``, a broken ``€``), and two BOAMP-specific losses:
``½uvre`` (``œ`` is byte 0xBD in Latin-9, which Latin-1 reads as ``½``) and ``d¿un``
(an apostrophe replaced by ``¿``). ftfy fixes the general cases; the two specific ones
are rules of our own. Clean texts (nearly all of them) skip the repair entirely.
"""

from __future__ import annotations

import re

import ftfy

# Only these characters betray a mis-encoding; without them the text is left as it is.
_SUSPECT = re.compile(r"[\x80-\x9f½¿]|Ã.|â[\x80-\u20ac]|âeuro")
_OE = re.compile(r"½(?=[a-zàâéèêëîïôöùûü])", re.IGNORECASE)
_APOSTROPHE = re.compile(r"(?<=\b[dlnsjmtcDLNSJMTC])¿(?=\w)|(?<=\bqu)¿(?=\w)", re.IGNORECASE)
# "’" written as UTF-8, read as Windows-1252, and whose "€" was then spelled out.
_SPELLED_EURO_QUOTE = re.compile("âeuro[\x99™]")


def repair(value: str | None) -> str | None:
    if not value or not _SUSPECT.search(value):
        return value
    value = _SPELLED_EURO_QUOTE.sub("’", value)
    value = _OE.sub("œ", value)
    value = _APOSTROPHE.sub("'", value)
    return ftfy.fix_text(value, uncurl_quotes=False, normalization="NFC")
