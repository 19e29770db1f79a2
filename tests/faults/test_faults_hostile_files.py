"""Hostile files for every ingest command: a clear error (or the bad record set aside with
its reason), nothing partially committed, no memory blow-up."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from chantiers_common import db
from chantiers_testing.env import IsolatedEnv, chantiers_cmd, subprocess_env

pytestmark = [pytest.mark.stack, pytest.mark.slow]

HUGE = 100 * 1024 * 1024  # a 100 MB single field
MAX_RSS_MB = 500

# What each command writes: (service, table) — all must stay empty after a refused file.
TABLES = {
    "boamp": ("prospects", ["tenders", "outbox"]),
    "siae": ("structures", ["structures", "activities", "contacts", "outbox"]),
    "sirene": ("prospects", ["companies", "outbox"]),
}


@dataclass
class Run:
    code: int
    output: str
    peak_mb: float


def ingest(env: IsolatedEnv, kind: str, path: Path) -> Run:
    """Run `chantiers ingest KIND PATH` and measure its peak memory (the waiting parent
    reports the largest resident size of its children)."""
    probe = ("import resource, subprocess, sys; "
             "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
             "sys.stdout.write(r.stdout + r.stderr); "
             "print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
             "sys.exit(r.returncode)")
    result = subprocess.run([sys.executable, "-c", probe, *chantiers_cmd(), "ingest", kind,
                             str(path)], env=subprocess_env(env), capture_output=True,
                            text=True, timeout=600, check=False)
    output, _, peak = result.stdout.rpartition("PEAK_KB ")
    return Run(result.returncode, " ".join((output + result.stderr).split()),
               int(peak.strip()) / 1024)


def counts(env: IsolatedEnv, kind: str) -> dict[str, int]:
    service, tables = TABLES[kind]
    settings = env.settings()

    async def count() -> dict[str, int]:
        conn = await asyncpg.connect(db.asyncpg_dsn(settings, settings.database_name(service)))
        try:
            return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in tables}
        finally:
            await conn.close()

    return asyncio.run(count())


def refused(env: IsolatedEnv, kind: str, path: Path, *words: str) -> Run:
    run = ingest(env, kind, path)
    print(f"{kind} {path.name}: exit {run.code}, peak {run.peak_mb:.0f} MB: {run.output[:300]}")
    assert run.code != 0, run.output
    for word in words:
        assert word.lower() in run.output.lower(), (word, run.output)
    assert run.peak_mb < MAX_RSS_MB, run.peak_mb
    # The database may not even exist when the file is refused before connecting.
    with contextlib.suppress(asyncpg.InvalidCatalogNameError):
        assert set(counts(env, kind).values()) == {0}, counts(env, kind)
    return run


# ---------- BOAMP (JSON) ----------

def boamp_record(idweb: str, title: str = "Entretien des espaces verts") -> dict:  # type: ignore[type-arg]
    return {"idweb": idweb, "objet": title, "nomacheteur": "Commune de Beaune",
            "code_departement": ["21"], "nature": "APPEL_OFFRE", "dateparution": "2026-11-20"}


def test_boamp_hostile_files(isolated_env: IsolatedEnv, tmp_path: Path, data_dir: Path) -> None:
    env = isolated_env
    real = (data_dir / "boamp/boamp_full_records_45.json").read_bytes()
    (truncated := tmp_path / "truncated.json").write_bytes(real[: len(real) // 2])
    refused(env, "boamp", truncated, "JSON")
    text = json.dumps({"results": [boamp_record("99-1", "Débroussaillage")]},
                      ensure_ascii=False)
    (latin := tmp_path / "latin1.json").write_bytes(text.encode("latin-1"))
    refused(env, "boamp", latin, "UTF-8")
    (shape := tmp_path / "shape.json").write_text('"just a string"')
    refused(env, "boamp", shape)
    with open(huge := tmp_path / "huge.json", "w") as out:
        out.write('{"results": [' + json.dumps(boamp_record("99-2"))[:-1] + ', "objet2": "')
        out.write("x" * HUGE)
        out.write('"}]}')
    refused(env, "boamp", huge)

    # Duplicated keys: that record is quarantined with its reason, the others load.
    good = json.dumps(boamp_record("99-3"))
    dup = json.dumps(boamp_record("99-4")).replace('"idweb": "99-4"',
                                                   '"idweb": "99-4", "idweb": "99-5"')
    (dups := tmp_path / "dups.json").write_text('{"results": [' + good + ", " + dup + "]}")
    run = ingest(env, "boamp", dups)
    assert run.code == 0, run.output
    assert counts(env, "boamp")["tenders"] == 1
    assert "quarantined" in run.output


# ---------- SIAE registry (JSON) ----------

def siae_records(data_dir: Path, n: int = 3) -> list[dict]:  # type: ignore[type-arg]
    return json.loads((data_dir / "siae/lemarche_01_siaes.json").read_text())[:n]


def test_siae_hostile_files(isolated_env: IsolatedEnv, tmp_path: Path, data_dir: Path) -> None:
    env = isolated_env
    text = json.dumps(siae_records(data_dir), ensure_ascii=False)
    (truncated := tmp_path / "truncated.json").write_text(text[: len(text) // 2])
    refused(env, "siae", truncated, "JSON")
    (latin := tmp_path / "latin1.json").write_bytes(text.encode("latin-1", errors="replace"))
    refused(env, "siae", latin, "UTF-8")
    (shape := tmp_path / "shape.json").write_text('{"results": 3}')
    refused(env, "siae", shape)
    records = siae_records(data_dir, 1)
    with open(huge := tmp_path / "huge.json", "w") as out:
        out.write(json.dumps(records)[:-3] + ', "description": "')
        out.write("x" * HUGE)
        out.write('"}}]')
    refused(env, "siae", huge)

    # Duplicated keys in one record: refused with its reason; the other records load.
    two = siae_records(data_dir, 2)
    body = json.dumps(two)
    siret = two[1]["fields"]["siret"]
    body = body.replace(f'"siret": "{siret}"', f'"siret": "{siret}", "siret": "00000000000000"')
    (dups := tmp_path / "dups.json").write_text(body)
    run = ingest(env, "siae", dups)
    assert run.code == 0, run.output
    assert counts(env, "siae")["structures"] == 1
    assert "rejected" in run.output


# ---------- SIRENE (CSV) ----------

def sirene_rows(data_dir: Path) -> tuple[list[str], list[list[str]]]:
    path = data_dir / "sirene/goSirene_test_StockEtablissement_utf8_geo.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    path.write_text(buffer.getvalue())
    return path


def test_sirene_hostile_files(isolated_env: IsolatedEnv, tmp_path: Path,
                              data_dir: Path) -> None:
    env = isolated_env
    header, rows = sirene_rows(data_dir)
    full = write_csv(tmp_path / "full.csv", header, rows).read_bytes()
    (latin := tmp_path / "latin1.csv").write_bytes(
        full.decode().replace("E", "É", 5).encode("latin-1"))
    refused(env, "sirene", latin, "UTF-8")
    refused(env, "sirene", write_csv(tmp_path / "header.csv", [h.upper() for h in header], rows),
            "siret")
    refused(env, "sirene", write_csv(tmp_path / "dupcols.csv", [*header, header[0]],
                                     [[*r, r[0]] for r in rows]))
    enseigne = header.index("enseigne1Etablissement")
    huge_row = list(rows[0])
    huge_row[enseigne] = "x" * HUGE
    refused(env, "sirene", write_csv(tmp_path / "huge.csv", header, [huge_row, *rows[1:]]))

    # A truncated file (cut in the middle of a line): the cut line is set aside, the
    # rest loads; formula-injection strings are set aside with their reason.
    (truncated := tmp_path / "truncated.csv").write_bytes(full[: int(len(full) * 0.7)])
    cut = ingest(env, "sirene", truncated)
    assert cut.code == 0, cut.output
    loaded = counts(env, "sirene")["companies"]
    assert 0 < loaded < len(rows)
    formula = [list(r) for r in rows]
    for row, payload in zip(formula[:3], ['=HYPERLINK("http://x.invalid","clic")',
                                          "@SUM(1+1)*cmd|' /C calc'!A0", "+cmd|'/c calc'!A1"],
                            strict=True):
        row[enseigne] = payload
    run = ingest(env, "sirene", write_csv(tmp_path / "formula.csv", header, formula))
    assert run.code == 0, run.output
    assert "formule" in run.output.lower(), run.output
