"""HTTP API of the structures service: the registry read by anyone, written (and its
contacts read) with a bearer token. One module per resource."""

from __future__ import annotations

from fastapi import APIRouter

from . import activities, contacts, reference, structures, tokens

router = APIRouter()
for module in (structures, activities, contacts, tokens, reference):
    router.include_router(module.router)
