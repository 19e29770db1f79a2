"""The optional join with StockUniteLegale: name, category, ESS, *société à mission*.

The full StockUniteLegale has about 28 million rows: a dict of it would not fit in our
memory budget. INSEE publishes both stocks sorted by SIREN, so we merge-join them: for
each batch of establishments we read legal units up to the batch's last SIREN, match them
with one ``numpy.searchsorted``, and forget those before it. A file out of SIREN order is
refused with a clear error rather than silently joined wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .errors import SireneFileError
from .reader import ArrowCsvBatches, read_header
from .texts import join_present

_REQUIRED = ("siren", "categorieEntreprise", "economieSocialeSolidaireUniteLegale")
_OPTIONAL = (
    "societeMissionUniteLegale",  # added by INSEE in 2022; older extracts lack it
    "denominationUniteLegale",
    "nomUniteLegale",
    "nomUsageUniteLegale",
    "prenomUsuelUniteLegale",
    "prenom1UniteLegale",
)
_STRING = pa.string()


@dataclass
class UnitColumns:
    """Legal-unit values aligned with a batch of establishments (null where not found)."""

    name: pa.Array
    category: pa.Array
    ess: pa.Array
    mission: pa.Array


def _flag(values: pa.Array | None, n: int) -> pa.Array:
    if values is None:
        return pa.nulls(n, pa.bool_())
    return pc.if_else(
        pc.equal(values, "O"),
        True,
        pc.if_else(pc.equal(values, "N"), False, pa.scalar(None, pa.bool_())),
    )


def _units(batch: pa.RecordBatch) -> pa.Table:
    """One batch of StockUniteLegale reduced to the values we join."""
    siren = batch.column("siren")
    well_formed = pc.fill_null(pc.match_substring_regex(siren, r"^[0-9]{9}$"), False)
    if not pc.all(well_formed).as_py():
        batch = batch.filter(well_formed)
    n = batch.num_rows
    names = batch.schema.names

    def col(name: str) -> pa.Array:
        return batch.column(name) if name in names else pa.nulls(n, _STRING)

    # A company's name; for a sole trader, "Prénom Nom" as a letter would be addressed.
    person = join_present(
        [
            pc.coalesce(col("prenomUsuelUniteLegale"), col("prenom1UniteLegale")),
            pc.coalesce(col("nomUsageUniteLegale"), col("nomUniteLegale")),
        ],
        " ",
    )
    return pa.table(
        {
            "siren": pc.cast(col("siren"), pa.int64()),
            "name": pc.coalesce(col("denominationUniteLegale"), person),
            "category": col("categorieEntreprise"),
            "ess": _flag(col("economieSocialeSolidaireUniteLegale"), n),
            "mission": _flag(
                col("societeMissionUniteLegale") if "societeMissionUniteLegale" in names else None,
                n,
            ),
        }
    )


class UniteLegaleJoin:
    """Looks legal units up for batches of establishment SIRENs in non-decreasing order."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._batches: Any = None
        self._iter: Any = None
        self._window: pa.Table | None = None
        self._window_sirens = np.empty(0, dtype=np.int64)
        self._exhausted = False
        self._last_asked = -1
        self.matched = 0
        self.missing = 0

    def __enter__(self) -> Self:
        header, delimiter = read_header(self.path)
        missing = [c for c in _REQUIRED if c not in header]
        if missing:
            raise SireneFileError(
                "En-tête StockUniteLegale inattendu : colonnes manquantes : " + ", ".join(missing)
            )
        columns = [c for c in header if c in _REQUIRED or c in _OPTIONAL]
        self._batches = ArrowCsvBatches(self.path, columns, delimiter=delimiter)
        self._batches.__enter__()
        self._iter = iter(self._batches)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._batches is not None:
            self._batches.__exit__(*exc_info)

    def _load_until(self, siren: int) -> None:
        """Read legal units until the window reaches ``siren`` (or the file ends)."""
        while not self._exhausted and (
            len(self._window_sirens) == 0 or self._window_sirens[-1] < siren
        ):
            item = next(self._iter, None)
            if item is None:
                self._exhausted = True
                return
            batch, _invalid = item
            units = _units(batch)
            sirens = units.column("siren").to_numpy(zero_copy_only=False)
            previous = self._window_sirens[-1:] if len(self._window_sirens) else sirens[:0]
            if np.any(np.diff(np.concatenate([previous, sirens])) < 0):
                raise SireneFileError(
                    f"StockUniteLegale non trié par SIREN ({self.path.name}) : la jointure "
                    "en flux exige l'ordre des fichiers INSEE"
                )
            self._window = (
                units if self._window is None else pa.concat_tables([self._window, units])
            )
            self._window_sirens = np.concatenate([self._window_sirens, sirens])

    def lookup(self, sirens: pa.Array) -> UnitColumns:
        wanted = pc.cast(sirens, pa.int64()).to_numpy(zero_copy_only=False)
        n = len(wanted)
        if n == 0:
            empty = pa.nulls(0, _STRING)
            return UnitColumns(empty, empty, pa.nulls(0, pa.bool_()), pa.nulls(0, pa.bool_()))
        if wanted[0] < self._last_asked or np.any(np.diff(wanted) < 0):
            raise SireneFileError(
                "StockEtablissement non trié par SIREN : la jointure en flux avec "
                "StockUniteLegale exige l'ordre des fichiers INSEE"
            )
        self._last_asked = int(wanted[-1])
        self._load_until(self._last_asked)
        window = self._window_sirens
        if len(window) == 0:
            self.missing += n
            empty = pa.nulls(n, _STRING)
            return UnitColumns(empty, empty, pa.nulls(n, pa.bool_()), pa.nulls(n, pa.bool_()))
        at = np.minimum(np.searchsorted(window, wanted), len(window) - 1)
        found = window[at] == wanted
        self.matched += int(found.sum())
        self.missing += int(n - found.sum())
        taken = self._window.take(pa.array(at))
        mask = pa.array(found)

        def pick(name: str) -> pa.Array:
            column = taken.column(name).combine_chunks()
            return pc.if_else(mask, column, pa.scalar(None, column.type))

        # Units before the last SIREN asked can never match again: drop them.
        keep_from = int(np.searchsorted(window, self._last_asked))
        self._window = self._window.slice(keep_from)
        self._window_sirens = window[keep_from:]
        return UnitColumns(pick("name"), pick("category"), pick("ess"), pick("mission"))
