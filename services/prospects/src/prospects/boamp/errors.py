"""The two ways a BOAMP input can fail, kept apart on purpose.

A :class:`BoampFileError` condemns the whole file (it is not what we expect, or it is
broken): the loader stops and commits nothing. A :class:`NoticeError` condemns one notice
only: it goes to quarantine with its reason and the rest of the file carries on.
"""

from __future__ import annotations


class BoampFileError(ValueError):
    """The file cannot be read as BOAMP records (encoding, truncated JSON, wrong shape…)."""


class NoticeError(ValueError):
    """One record cannot become a tender; ``reason`` says why, in French."""

    def __init__(self, reason: str, *, idweb: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.idweb = idweb

    def __str__(self) -> str:
        return f"{self.idweb} : {self.reason}" if self.idweb else self.reason
