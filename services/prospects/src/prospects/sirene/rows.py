"""A batch of raw StockEtablissement columns → rows in COPY_COLUMNS order (the fast path).

All the work is vectorised: Arrow compute for the strings and dates, numpy and one pyproj
call per territory for the coordinates. Python objects are created once, for the output
values themselves (``to_pylist`` of each column, then ``zip`` into tuples). Pydantic is
kept for the few rows of a delta (``EstablishmentBatch.companies``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .batch import SireneStats, rows_of
from .columns import Layout
from .communes import CommuneTable
from .errors import SireneFileError
from .projection import projected_to_wgs84
from .territories import TERRITORY_BY_DEPARTMENT, inside
from .texts import join_present, utf8_bytes
from .unite_legale import UniteLegaleJoin

# INSEE's documented maxima are about 100 characters (street, usual name); a text field
# ten times over is not a SIRENE value and must not reach the database or an email.
MAX_FIELD_CHARS = 1_000
_CHECKED_FIELDS = (
    "denomination",
    "enseigne",
    "complement",
    "street",
    "commune_label",
    "unit_name",
    "naf",
    "naf25",
    "headcount",
    "commune",
    "post_code",
)
_STRING = pa.string()
# Fields the conversion always reads: a header without them gets a column of nulls.
_ALWAYS_FIELDS = (
    "complement",
    "number",
    "repetition",
    "street_type",
    "street",
    "post_code",
    "commune_label",
    "commune",
    "created",
    "naf",
    "nomenclature",
)
_NULL = pa.scalar(None, _STRING)
_DEPARTMENT_KEYS = sorted(TERRITORY_BY_DEPARTMENT)
_DEPARTMENT_SET = pa.array(_DEPARTMENT_KEYS, _STRING)
# index_in position → territory index (last slot: not a department).
_TERRITORY_OF_KEY = np.array(
    [TERRITORY_BY_DEPARTMENT[d] for d in _DEPARTMENT_KEYS] + [0], dtype=np.intp
)
_SOURCE_ARRAY = pa.array(["lambert", "wgs84", "commune", None], _STRING)
_LAMBERT, _WGS84, _COMMUNE, _NONE = 0, 1, 2, 3


def _raw(batch: pa.RecordBatch, layout: Layout) -> dict[str, pa.Array]:
    """The logical fields of a batch; legacy files brought to today's formats."""
    n = batch.num_rows
    cols = {f: batch.column(name) for f, name in layout.columns.items()}
    for f in _ALWAYS_FIELDS:
        if f not in cols:
            cols[f] = pa.nulls(n, _STRING)
    if layout.kind == "legacy_l2":
        cols["siret"] = pc.binary_join_element_wise(cols["siren"], cols["nic"], "")
        cols["commune"] = pc.binary_join_element_wise(
            cols.pop("legacy_department"), cols["commune"], ""
        )
        code = cols["naf"]  # APET700: NAF rev2 without its dot (4673A → 46.73A)
        cols["naf"] = pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(code, 0, 2), pc.utf8_slice_codeunits(code, 2, 5), "."
        )
        cols["nomenclature"] = pa.array(["NAFRev2"] * n, _STRING)
        day = cols["created"]  # DCRET: YYYYMMDD
        cols["created"] = pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(day, 0, 4),
            pc.utf8_slice_codeunits(day, 4, 6),
            pc.utf8_slice_codeunits(day, 6, 8),
            "-",
        )
    return cols


def _check_sizes(cols: dict[str, pa.Array], line_of: Callable[[int], int]) -> None:
    for name in _CHECKED_FIELDS:
        col = cols.get(name)
        if col is None or len(col) == 0:
            continue
        # PostgreSQL text cannot hold a NUL character: refuse the file with its line
        # rather than fail in the middle of a COPY.
        if np.any(utf8_bytes(col) == 0):
            i = pc.index(pc.match_substring(col, "\x00"), True).as_py()
            raise SireneFileError(
                f"Caractère NUL dans le champ « {name} » vers la ligne {line_of(i)} : "
                "fichier corrompu ou hostile, rien n'a été importé"
            )
        longest = pc.max(pc.utf8_length(col)).as_py()
        if longest is not None and longest > MAX_FIELD_CHARS:
            i = pc.index(pc.utf8_length(col), longest).as_py()
            raise SireneFileError(
                f"Champ « {name} » de {longest} caractères vers la ligne {line_of(i)} "
                f"(limite {MAX_FIELD_CHARS}) : fichier corrompu ou hostile, rien n'a été importé"
            )


def _dates(values: pa.Array, stats: SireneStats) -> pa.Array:
    try:
        return pc.cast(values, pa.date32())
    except pa.ArrowInvalid:
        days = pc.cast(
            pc.strptime(values, format="%Y-%m-%d", unit="s", error_is_null=True), pa.date32()
        )
        if lost := days.null_count - values.null_count:
            stats.warnings["date de création illisible"] += lost
        return days


def _floats(values: pa.Array | None, n: int, stats: SireneStats, what: str) -> np.ndarray:
    if values is None:
        return np.full(n, np.nan)
    try:
        return pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        out = np.full(n, np.nan)
        for i, v in enumerate(values.to_pylist()):
            if v is not None:
                try:
                    out[i] = float(v)
                except ValueError:
                    stats.warnings[f"{what} illisible"] += 1
        return out


def _address(cols: dict[str, pa.Array]) -> pa.Array:
    """ "ZA ACTIPARC, 70 B RUE DE LAUSANNE, 01220 DIVONNE-LES-BAINS" (missing parts left out)."""
    street = join_present(
        [cols["number"], cols["repetition"], cols["street_type"], cols["street"]], " "
    )
    place = join_present([cols["post_code"], cols["commune_label"]], " ")
    return join_present([cols["complement"], street, place], ", ")


def _department(commune: pa.Array) -> pa.Array:
    """01–95, 2A/2B on two characters; overseas (97x, 98x) on three; else null."""
    two = pc.utf8_slice_codeunits(commune, 0, 2)
    three = pc.utf8_slice_codeunits(commune, 0, 3)
    department = pc.if_else(pc.is_in(two, pa.array(["97", "98"])), three, two)
    return pc.if_else(pc.is_in(department, _DEPARTMENT_SET), department, _NULL)


def _locate(
    cols: dict[str, pa.Array],
    department: pa.Array,
    communes_py: list[str | None],
    communes: CommuneTable,
    stats: SireneStats,
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """lat, lon and location_source: the row's Lambert, else its WGS84, else the commune."""
    n = len(department)
    key = pc.fill_null(pc.index_in(department, value_set=_DEPARTMENT_SET), -1)
    territory = _TERRITORY_OF_KEY[key.to_numpy()]
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    source = np.full(n, _NONE, dtype=np.int8)
    if "lambert_x" in cols and "lambert_y" in cols:
        x = _floats(cols["lambert_x"], n, stats, "coordonnée Lambert")
        y = _floats(cols["lambert_y"], n, stats, "coordonnée Lambert")
        plon, plat = projected_to_wgs84(x, y, territory)
        found = np.isfinite(plon)
        if rejected := int(np.count_nonzero(np.isfinite(x) & np.isfinite(y) & ~found)):
            stats.warnings["coordonnées Lambert hors du territoire ou sans projection"] += rejected
        lon[found], lat[found], source[found] = plon[found], plat[found], _LAMBERT
    if "lon" in cols and "lat" in cols:
        glon = _floats(cols["lon"], n, stats, "longitude")
        glat = _floats(cols["lat"], n, stats, "latitude")
        ok = (source == _NONE) & inside(glon, glat, territory)
        lon[ok], lat[ok], source[ok] = glon[ok], glat[ok], _WGS84
    for i in np.flatnonzero(source == _NONE).tolist():
        commune = communes_py[i]
        position = communes.get(commune) if commune else None
        if position is not None:
            lat[i], lon[i] = position
            source[i] = _COMMUNE
    counts = np.bincount(source, minlength=4).tolist()
    for name, count in zip(("lambert", "wgs84", "commune", "none"), counts, strict=True):
        if count:
            stats.location[name] += count
    missing = source == _NONE
    return (
        pa.array(lat, pa.float64(), mask=missing),
        pa.array(lon, pa.float64(), mask=missing),
        pc.take(_SOURCE_ARRAY, pa.array(source)),
    )


def _flag(values: pa.Array | None, n: int) -> pa.Array:
    if values is None:
        return pa.nulls(n, pa.bool_())
    yes = pc.equal(values, "O")
    no = pc.equal(values, "N")
    return pc.if_else(yes, True, pc.if_else(no, False, pa.scalar(None, pa.bool_())))


# A spreadsheet runs a cell that starts like this (CSV / formula injection, OWASP): no
# SIRENE name or address does, so such a row is set aside rather than stored and later
# exported into someone's spreadsheet.
_FORMULA = r"^[=+@\t\r]|^-[^0-9 ]"
_FREE_TEXT = ("denomination", "enseigne", "complement", "street", "commune_label",
              "unit_name")


def _without_formulas(cols: dict[str, pa.Array], valid: pa.Array,
                      line_of: Callable[[int], int], stats: SireneStats) -> pa.Array:
    """True for rows with no formula-like free text; the others are counted with the
    field that carried it."""
    clean = pa.array(np.ones(len(valid), dtype=bool))
    for name in _FREE_TEXT:
        values = cols.get(name)
        if values is None:
            continue
        hits = pc.fill_null(pc.match_substring_regex(values, _FORMULA), False)
        hits = pc.and_(hits, pc.and_(valid, clean))
        if pc.any(hits).as_py():
            for i in np.flatnonzero(hits.to_numpy(zero_copy_only=False)).tolist():
                stats.reject(line_of(i), f"valeur suspecte (formule de tableur) dans {name}")
            clean = pc.and_(clean, pc.invert(hits))
    return clean


def to_columns(
    batch: pa.RecordBatch,
    layout: Layout,
    *,
    line_of: Callable[[int], int],
    include_closed: bool,
    communes: CommuneTable,
    stats: SireneStats,
    join: UniteLegaleJoin | None = None,
) -> dict[str, pa.Array]:
    """Every COPY column as an Arrow array; rejected and closed rows counted in ``stats``."""
    cols = _raw(batch, layout)
    n = batch.num_rows
    if n == 0:
        return {}
    _check_sizes(cols, line_of)  # on every row read, so that indices are lines
    siret = cols["siret"]
    valid = pc.fill_null(pc.match_substring_regex(siret, r"^[0-9]{14}$"), False)
    if not pc.all(valid).as_py():
        for i in np.flatnonzero(~valid.to_numpy(zero_copy_only=False)).tolist():
            stats.reject(line_of(i), "SIRET invalide (14 chiffres attendus)")
    valid = pc.and_(valid, _without_formulas(cols, valid, line_of, stats))
    keep = valid
    state = cols.get("state")
    if state is not None:
        active = pc.fill_null(pc.equal(state, "A"), False)
        closed = pc.fill_null(pc.equal(state, "F"), False)
        unknown = pc.invert(pc.or_(active, closed))
        if pc.any(pc.and_(unknown, valid)).as_py():
            for i in np.flatnonzero(
                pc.and_(unknown, valid).to_numpy(zero_copy_only=False)
            ).tolist():
                stats.reject(line_of(i), "état administratif ni A ni F")
        stats.closed += pc.sum(pc.and_(closed, valid)).as_py() or 0
        keep = pc.and_(valid, pc.or_(active, closed) if include_closed else active)
    if not pc.all(keep).as_py():
        cols = {f: pc.filter(a, keep) for f, a in cols.items()}
    m = len(cols["siret"])
    if m == 0:
        return {}

    siret = cols["siret"]
    siren = pc.utf8_slice_codeunits(siret, 0, 9)
    units = join.lookup(siren) if join is not None else None
    unit_name = units.name if units is not None else cols.get("unit_name")
    denomination = cols.get("denomination")
    if denomination is None:
        name = unit_name
    else:
        name = pc.coalesce(denomination, unit_name) if unit_name is not None else denomination
    # Old closed establishments keep NAF 1993/NAP codes: not NAF rev2, so not "naf".
    naf = pc.if_else(pc.equal(cols["nomenclature"], "NAFRev2"), cols["naf"], _NULL)
    department = _department(cols["commune"])
    commune_py = cols["commune"].to_pylist()
    lat, lon, source = _locate(cols, department, commune_py, communes, stats)
    nulls = pa.nulls(m, _STRING)
    if units is not None:
        category, ess, mission = units.category, units.ess, units.mission
    else:
        category = cols.get("category", nulls)
        ess, mission = _flag(cols.get("ess"), m), pa.nulls(m, pa.bool_())
    active_now = (
        pc.equal(cols["state"], "A") if "state" in cols else pa.array([True] * m, pa.bool_())
    )
    return {
        "siret": siret,
        "siren": siren,
        "name": name if name is not None else nulls,
        "enseigne": cols.get("enseigne", nulls),
        "naf": naf,
        "naf2025": cols.get("naf25", nulls),
        "headcount_band": cols.get("headcount", nulls),
        "created_on": _dates(cols["created"], stats),
        "address": _address(cols),
        "commune_insee": cols["commune"],
        "post_code": cols["post_code"],
        "department": department,
        "lat": lat,
        "lon": lon,
        "location_source": source,
        "active": active_now,
        "category": category,
        "ess": ess,
        "mission": mission,
    }


def to_copy_rows(
    batch: pa.RecordBatch,
    layout: Layout,
    *,
    line_of: Callable[[int], int],
    include_closed: bool,
    communes: CommuneTable,
    stats: SireneStats,
    join: UniteLegaleJoin | None = None,
) -> list[tuple[Any, ...]]:
    """Rows in COPY_COLUMNS order; rejected and closed rows are counted in ``stats``."""
    columns = to_columns(
        batch, layout, line_of=line_of, include_closed=include_closed, communes=communes,
        stats=stats, join=join,
    )
    return rows_of(columns) if columns else []
