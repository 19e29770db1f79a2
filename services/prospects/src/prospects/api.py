"""HTTP API of the prospects service: tenders and companies."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["prospects"])
