"""The audit trail of what is done with the admin token: an ``admin.action`` event in the
same transaction as the change (who by token id, what, on which structure)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common import outbox
from chantiers_common.events.structures import AdminAction

from ..store import now
from ..tokens import Principal


async def audit(session: AsyncSession, principal: Principal, action: str,
                siret: str | None, target_id: str | None = None) -> None:
    if not principal.is_admin:
        return  # a structure acting on itself is not an administrative act
    await outbox.add(session, AdminAction(token_id=principal.token_id, action=action,
                                          structure_siret=siret, target_id=target_id,
                                          at=now()))
