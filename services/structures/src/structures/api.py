"""HTTP API of the structures service (read and write structures, activities, contacts)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["structures"])
