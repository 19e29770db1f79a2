"""The error body every service's API answers with: which field is wrong, a stable code
for programs, and a French message for people."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from pydantic import BaseModel


class ErrorItem(BaseModel):
    field: str
    code: str
    message: str


class ErrorOut(BaseModel):
    detail: list[ErrorItem]


def problem(status: int, field: str, code: str, message: str,
            headers: dict[str, str] | None = None) -> HTTPException:
    return HTTPException(status, [{"field": field, "code": code, "message": message}],
                         headers=headers)


def has_nul(value: Any) -> bool:
    """Whether a request value (text, or lists and objects of it) holds a NUL character.
    PostgreSQL text cannot store one: the APIs refuse it by name rather than answer 500."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False
