"""The one error a SIRENE file can end with.

A file is either read to the end or rejected whole: the caller copies batches inside one
transaction and rolls it back on this error, so that nothing is half-committed.
"""

from __future__ import annotations


class SireneFileError(Exception):
    """The file cannot be ingested; the message (in French) says why and where."""
