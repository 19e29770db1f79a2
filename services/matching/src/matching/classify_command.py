"""`chantiers classify boamp PATH`: the sectors of every notice of a BOAMP file.

Matching does not import the prospects package: the file is read by running
``chantiers ingest boamp PATH --dry-run --json`` as a subprocess, which prints one JSON
line per notice with the full ``Tender`` contract under "tender" (any file that command
reads works, full records or title-only ones such as ``boamp_titles_8000.json``). Each
tender is classified on its title, description, CPV codes and BOAMP descriptors, and
printed as it comes: ``{"idweb": ..., "sectors": [{"slug", "confidence", "evidence"}]}``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import typer

from chantiers_common.events.prospects import Tender

app = typer.Typer(help="Classify notices into sectors of the SIAE marketplace taxonomy.")


@app.callback()
def _group() -> None:
    """Classify notices into sectors of the SIAE marketplace taxonomy."""
    # A callback keeps `classify` a group, so that `classify boamp` stays a sub-command
    # (typer would otherwise collapse a one-command app into that command).


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="classify")


def _ingest_command(path: Path) -> list[str]:
    # The same `chantiers` program, whatever the environment it was installed in.
    launcher = "from chantiers_cli.main import main; main()"
    return [sys.executable, "-c", launcher, "ingest", "boamp", str(path), "--dry-run", "--json"]


def read_tenders(path: Path) -> Iterator[Tender]:
    """The tenders of a BOAMP file, as `chantiers ingest boamp --dry-run --json` reads them."""
    with subprocess.Popen(
        _ingest_command(path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        for line in process.stdout:
            if line.startswith("{"):
                yield Tender.model_validate(json.loads(line)["tender"])
        errors = process.stderr.read()
        if process.wait() != 0:
            typer.echo(errors, err=True)
            raise typer.Exit(process.returncode or 1)


def sectors_of(tender: Tender, all_sectors: bool = False) -> list[dict[str, object]]:
    """The sectors of one tender, best first: those at or above the match threshold, or all."""
    from .classification import MATCH_THRESHOLD, classify

    cpv = [code for code in (tender.cpv_main, *tender.cpv_additional) if code]
    # Codes and labels both: a known code and its label give one clue (same evidence
    # text), and a label whose code the table lacks is still read as text.
    matches = classify(
        tender.title,
        description=tender.description,
        cpv_codes=cpv,
        descriptors=[*tender.descriptor_codes, *tender.descriptors],
    )
    return [
        {"slug": m.slug, "confidence": m.confidence, "evidence": list(m.evidence)}
        for m in matches
        if all_sectors or m.confidence >= MATCH_THRESHOLD
    ]


@app.command("boamp")
def classify_boamp(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="A BOAMP file"),
    as_json: bool = typer.Option(False, "--json", help="One JSON line per notice"),
    all_sectors: bool = typer.Option(
        False, "--all-sectors", help="Every sector with some evidence, not only the matched ones"
    ),
) -> None:
    """Print the sectors of every notice of a BOAMP file, with confidence and evidence."""
    for tender in read_tenders(path):
        sectors = sectors_of(tender, all_sectors)
        if as_json:
            typer.echo(json.dumps({"idweb": tender.idweb, "sectors": sectors}, ensure_ascii=False))
        else:
            found = ", ".join(f"{s['slug']} ({s['confidence']:.2f})" for s in sectors) or "—"
            typer.echo(f"{tender.idweb}  {tender.title[:70]}  →  {found}")
