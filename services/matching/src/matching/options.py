"""Settings of the matching service alone (``CHANTIERS_MATCHING_*``), beside the shared
ones of ``chantiers_common.settings``."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MatchingOptions(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHANTIERS_MATCHING_", extra="ignore")

    # How often the deadline sweep looks for open tenders past their deadline.
    sweep_interval_s: float = Field(60.0, gt=0)
    # How long the backfill loop sleeps when no request is waiting (a NOTIFY wakes it).
    backfill_poll_s: float = Field(1.0, gt=0)
    # Tenders expired per sweep transaction.
    sweep_batch: int = Field(500, gt=0)


@lru_cache
def get_options() -> MatchingOptions:
    return MatchingOptions()
