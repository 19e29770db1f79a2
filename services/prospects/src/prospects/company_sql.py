"""The SQL of a companies load: stage with COPY, then one set-based upsert per batch.

Each batch is copied into a staging table (UNLOGGED: no WAL; emptied for every batch;
loads take turns on an advisory lock, so that they never see each other's rows) with
each row's fingerprint (the md5 of its ``Company`` JSON document, computed by the
loader) and source. One statement then compares the batch with ``companies`` and inserts the new
rows and rewrites the changed ones; it returns which rows those were, so that the loader
publishes them and only them. A reload of the same file writes nothing and publishes
nothing.
"""

from __future__ import annotations

from .sirene import COPY_COLUMNS

STAGING = "companies_staging"  # UNLOGGED, created by migration 0002
STAGING_COLUMNS: tuple[str, ...] = (*COPY_COLUMNS, "fingerprint", "source")
CLEAR_STAGING = f"TRUNCATE {STAGING}"
LOAD_LOCK = "SELECT pg_advisory_xact_lock(hashtext('prospects.companies.load'))"

# For the transaction of a load.
SESSION_SETTINGS = (
    # Bulk events are large and repetitive: lz4 compresses them several times faster
    # than the default pglz (this transaction's rows only).
    "SET LOCAL default_toast_compression = lz4",
    # A batch's changed rows are held in memory, not spilled to disk.
    "SET LOCAL work_mem = '64MB'",
    # JIT compilation costs more than it saves on statements this simple (~0.1 s each).
    "SET LOCAL jit = off",
    # See _DIFF: a sequential scan of ``companies`` must never be chosen.
    "SET LOCAL enable_seqscan = off",
)

_COLUMNS = ", ".join(COPY_COLUMNS)

# The staged rows whose fingerprint differs from the stored one (or that are new), with
# the stored state they replace: one primary-key lookup per staged row. The planner must
# not believe ``companies`` small (its statistics may say "empty" while a load fills it):
# a hash join, or a sequential scan inside the LATERAL, would read the whole table for
# every batch, or for every row (measured: 17 s for one batch of 50,000). Hence
# enable_seqscan off for the load, and the LIMIT that keeps the LATERAL from being
# flattened into a join.
_DIFF = f"""
diff AS MATERIALIZED (
    SELECT s.*, old.fingerprint AS old_fingerprint, old.active AS was_active
    FROM {STAGING} s
    LEFT JOIN LATERAL (
        SELECT c.fingerprint, c.active FROM companies c WHERE c.siret = s.siret LIMIT 1
    ) old ON true
    WHERE old.fingerprint IS DISTINCT FROM s.fingerprint
),
inserted AS (
    INSERT INTO companies ({_COLUMNS}, fingerprint, source)
    SELECT {_COLUMNS}, fingerprint, source FROM diff WHERE old_fingerprint IS NULL
    RETURNING 1
),
updated AS (
    UPDATE companies c
       SET {", ".join(f"{name} = d.{name}" for name in COPY_COLUMNS if name != "siret")},
           fingerprint = d.fingerprint, source = d.source, updated_at = now()
      FROM diff d
     WHERE d.old_fingerprint IS NOT NULL AND c.siret = d.siret
    RETURNING 1
)"""

# The rows that changed, with the state they replace (read
# before the writes: every part of a statement sees the same snapshot); the INSERT and
# UPDATE run whether or not the query reads them.
UPSERT = f"""
WITH {_DIFF}
SELECT siret, old_fingerprint IS NULL AS inserted, active, was_active FROM diff
"""
