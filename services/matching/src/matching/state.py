"""What one matching process keeps between events: its copy of the catalog and the
context the matchers read. Built once in ``main`` and handed to the handlers and loops."""

from __future__ import annotations

import gc
import time

import asyncpg

from . import catalog_store, tender_store
from .catalog import Catalog
from .context import MatchContext
from .weights import ScoringConfig, load_config

# Award notices seen live add to the buyers' history; every replica reloads them this often.
HISTORY_RELOAD_S = 30.0


class MatchingState:
    def __init__(self, config: ScoringConfig | None = None) -> None:
        config = config or load_config()
        self.ctx = MatchContext(Catalog(config.rules.company_france_radius_km), config)
        self.cache = catalog_store.CatalogCache(self.ctx.catalog)
        self._history_at = float("-inf")
        self._frozen = False

    @property
    def catalog_version(self) -> int:
        return self.ctx.catalog.version

    async def context(self, conn: asyncpg.Connection, at_least: int | None = None,
                      ) -> MatchContext:
        """The context with the catalog at the database's version (or at least at the
        version ``at_least`` the caller read; see ``catalog_store``)."""
        await self.cache.refresh(conn, at_least)
        if not self._frozen and len(self.ctx.catalog):
            # The catalog lives as long as the process: keep it out of the collector's
            # generations, so that a collection does not walk every activity.
            gc.collect()
            gc.freeze()
            self._frozen = True
        await self.reload_history_if_due(conn)
        return self.ctx

    async def reload_history_if_due(self, conn: asyncpg.Connection) -> None:
        if time.monotonic() - self._history_at > HISTORY_RELOAD_S:
            self._history_at = time.monotonic()
            self.ctx.history.set_live(await tender_store.award_pairs(conn))

    def forget_history(self) -> None:
        """Reload the live award pairs at the next event (this process just wrote some)."""
        self._history_at = float("-inf")
