"""The error body every service's API answers with: which field is wrong, a stable code
for programs, and a French message for people."""

from __future__ import annotations

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
