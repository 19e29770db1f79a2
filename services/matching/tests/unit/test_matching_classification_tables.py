"""The classifier's data files are valid, versioned and agree with the real reference data."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import pytest

from chantiers_common.settings import data_dir
from matching.classification.lexicon import PhraseIndex
from matching.classification.normalize import tokens, words
from matching.classification.tables import (
    cpv_rows,
    descriptor_rows,
    lexicon_rows,
    read_table,
    sectors,
)

DATA_FILES = (
    "sectors.csv",
    "lexicon.csv",
    "cpv_sectors.csv",
    "boamp_descriptors.csv",
    "learned_terms.csv",
)
PACKAGE_DATA = Path(__file__).resolve().parents[2] / "src/matching/classification/data"
LABELS = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def taxonomy() -> dict[str, str]:
    """slug → group name, from the real marketplace fixtures."""
    siae = data_dir() / "siae"
    groups = {
        g["pk"]: g["fields"]["name"]
        for g in json.loads((siae / "lemarche_0b_sectorgroups.json").read_text(encoding="utf-8"))
    }
    return {
        s["fields"]["slug"]: groups[s["fields"]["group"]]
        for s in json.loads((siae / "lemarche_0c_sectors.json").read_text(encoding="utf-8"))
    }


@pytest.fixture(scope="module")
def cpv_labels() -> dict[str, str]:
    path = data_dir() / "reference" / "cpv_2008_fr.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["CODE"].split("-")[0]: row["FR"] for row in csv.DictReader(handle)}


@pytest.mark.parametrize("name", DATA_FILES)
def test_every_data_file_is_versioned(name: str) -> None:
    first_line = (PACKAGE_DATA / name).read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("# version: ")
    assert read_table(name).version >= 1


def test_the_sector_table_is_the_marketplace_taxonomy(taxonomy: dict[str, str]) -> None:
    shipped = sectors()
    assert len(shipped) == 154
    assert {slug: s.group for slug, s in shipped.items()} == taxonomy
    assert len({s.group for s in shipped.values()}) == 20


def test_every_sector_slug_of_the_mappings_exists(taxonomy: dict[str, str]) -> None:
    used = []
    for row in lexicon_rows():
        used += [*row.sectors.add, *row.sectors.remove]
    for row in cpv_rows():
        used += [*row.sectors.add, *row.sectors.remove]
    for row in descriptor_rows():
        used += [*row.sectors.add, *row.sectors.remove]
    used += [row["secteur"] for row in read_table("learned_terms.csv").rows]
    unknown = sorted(set(used) - set(taxonomy))
    assert unknown == []
    assert len(set(used)) > 60  # the tables cover most of the taxonomy, not a handful


def test_every_cpv_row_is_a_real_cpv_code_with_its_label(cpv_labels: dict[str, str]) -> None:
    rows = cpv_rows()
    assert len(rows) > 200
    for row in rows:
        assert row.code in cpv_labels, row.code
        assert row.label == cpv_labels[row.code]
        # the prefix the classifier matches on is the prefix of real codes
        assert any(code.startswith(row.prefix) for code in cpv_labels)
    assert len({row.code for row in rows}) == len(rows), "code CPV en double"
    assert len({row.prefix for row in rows}) == len(rows), "préfixe CPV en double"


def test_no_duplicate_keyword_rows() -> None:
    normalized = Counter(tokens(row.motif) for row in lexicon_rows())
    duplicates = [stems for stems, count in normalized.items() if count > 1]
    assert duplicates == []
    assert all(stems for stems in normalized)  # no motif vanishes under normalisation
    PhraseIndex(lexicon_rows())  # and the index refuses duplicates itself


def test_lexicon_rows_are_well_formed() -> None:
    rows = lexicon_rows()
    assert len(rows) > 700
    roles = Counter(row.role for row in rows)
    assert set(roles) <= {
        "metier",
        "generique",
        "ouvrage",
        "etude",
        "hors",
        "fourniture",
        "pose",
        "veto",
    }
    assert roles["etude"] > 50  # studies are the hard negatives of the BOAMP titles
    for row in rows:
        assert 0.0 <= row.weight <= 1.0, row.motif
        if row.role in ("metier", "generique", "ouvrage"):
            assert row.sectors.add, f"« {row.motif} » ({row.role}) sans secteur"
        if row.role in ("etude", "hors", "fourniture", "pose"):
            assert not row.sectors.add, f"« {row.motif} » ({row.role}) sans secteur attendu"


def test_descriptor_rows_are_the_codes_and_labels_seen_in_real_notices() -> None:
    seen: set[tuple[str, str]] = set()
    boamp = data_dir() / "boamp"
    for path in boamp.glob("*.json"):
        payload = json.loads(path.read_text(encoding="utf-8"))
        records = payload["results"] if isinstance(payload, dict) else payload
        for record in records:
            codes = record.get("descripteur_code") or []
            labels = record.get("descripteur_libelle") or []
            seen |= set(zip(codes, labels, strict=False))
    for path in (boamp / "xml_v230_2017").glob("*.xml"):
        for descriptor in ElementTree.parse(path).iter("DESCRIPTEUR"):
            seen.add((descriptor.findtext("CODE", ""), descriptor.findtext("LIBELLE", "")))
    rows = descriptor_rows()
    assert len({row.code for row in rows}) == len(rows)
    assert len({" ".join(words(row.label)) for row in rows}) == len(rows)
    for row in rows:
        labels_of_code = {label for code, label in seen if code == row.code}
        assert row.label in labels_of_code or any(
            label.startswith(row.label) or row.label.startswith(label) for label in labels_of_code
        ), f"descripteur {row.code} « {row.label} » jamais vu dans data/boamp/"


def test_learned_terms_leave_out_every_labelled_contract() -> None:
    """The DECP terms were learned without the hand-labelled contracts (honest measure),
    the frozen hold-outs of rounds 3 and 6 included."""
    labelled_ids: set[str] = set()
    for name in ("labels_decp_titles.csv", "holdout3_decp_titles.csv", "holdout6_decp_titles.csv"):
        with (LABELS / name).open(encoding="utf-8", newline="") as handle:
            labelled_ids |= {row["id"] for row in csv.DictReader(handle)}
    digest = hashlib.sha256("\n".join(sorted(labelled_ids)).encode("utf-8")).hexdigest()
    header = (PACKAGE_DATA / "learned_terms.csv").read_text(encoding="utf-8").splitlines()[:4]
    assert any(digest in line for line in header), (
        "learned_terms.csv a été appris avec d'autres étiquettes : relancer "
        "scripts/build_learned_terms.py"
    )
    assert (PACKAGE_DATA / "learned_terms.csv").stat().st_size < 1_000_000
    for row in read_table("learned_terms.csv").rows:
        assert 0.0 < float(row["precision"]) <= 1.0
        assert int(row["acheteurs"]) >= 3
