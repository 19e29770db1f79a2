"""Archives, header variants, bad rows, and files that must be refused whole."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest

from chantiers_common.settings import data_dir
from prospects.sirene import COPY_COLUMNS, SireneFileError, read_establishments
from prospects.sirene.columns import NAF25_COLUMN

SIRENE = data_dir() / "sirene"
REAL = SIRENE / "trackdechets_StockEtablissement_utf8_sample.csv"
UNITS = SIRENE / "trackdechets_StockUniteLegale_utf8_sample.csv"


def real_lines() -> list[str]:
    return REAL.read_text(encoding="utf-8").splitlines(keepends=True)


def index_of(lines: list[str], siret: str) -> int:
    return next(i for i, line in enumerate(lines) if line.split(",")[2] == siret)


def sirets(path: Path, **options: object) -> list[str]:
    return [row[0] for batch in read_establishments(path, **options) for row in batch.rows]


def everything(path: Path, **options: object) -> list[tuple]:
    return [row for batch in read_establishments(path, **options) for row in batch.rows]


def test_zip_and_gzip_give_the_same_rows_as_the_plain_file(tmp_path: Path) -> None:
    archive = tmp_path / "StockEtablissement_utf8.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(REAL, "StockEtablissement_utf8.csv")
    gz = tmp_path / "StockEtablissement_utf8.csv.gz"
    gz.write_bytes(gzip.compress(REAL.read_bytes()))
    plain = everything(REAL, include_closed=True)
    assert len(plain) == 299
    assert everything(archive, include_closed=True) == plain
    assert everything(gz, include_closed=True) == plain


def test_truncated_zip_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "stock.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(REAL, "StockEtablissement_utf8.csv")
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    with pytest.raises(SireneFileError, match="ZIP illisible ou tronquée"):
        sirets(archive)


def test_zip_with_two_csv_files_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "stock.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(REAL, "a.csv")
        zf.write(REAL, "b.csv")
    with pytest.raises(SireneFileError, match=r"un seul fichier CSV \(trouvé : a.csv, b.csv\)"):
        sirets(archive)


def test_wrong_header_names_the_missing_columns(tmp_path: Path) -> None:
    with pytest.raises(SireneFileError) as error:
        sirets(UNITS)
    message = str(error.value)
    assert "colonnes manquantes : siret, etatAdministratifEtablissement" in message
    assert "StockUniteLegale" in message

    lines = real_lines()
    lines[0] = lines[0].replace("codeCommuneEtablissement", "codeCommune")
    broken = tmp_path / "broken.csv"
    broken.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SireneFileError, match=r"colonnes manquantes : codeCommuneEtablissement$"):
        sirets(broken)


def test_latin1_file_is_refused_with_its_position(tmp_path: Path) -> None:
    lines = real_lines()
    lines[3] = lines[3].replace("FRANCOIS MAURIAC", "FRANÇOIS MAURIAC")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("".join(lines).encode("cp1252"))
    with pytest.raises(SireneFileError, match=r"non UTF-8.*ligne 4, octet \d+ .*0xC7.*Latin-1"):
        sirets(latin1)


def test_hostile_sizes_are_refused(tmp_path: Path) -> None:
    lines = real_lines()
    long_line = tmp_path / "long_line.csv"
    long_line.write_text(lines[0] + lines[1].rstrip("\n") + "X" * (2 << 20) + "\n" + lines[2])
    with pytest.raises(SireneFileError, match="Ligne de plus de"):
        sirets(long_line)

    fields = lines[index_of(lines, "00542002100056")].split(",")  # active
    fields[46] = "A" * 5_000  # enseigne1Etablissement
    long_field = tmp_path / "long_field.csv"
    long_field.write_text(lines[0] + ",".join(fields))
    with pytest.raises(SireneFileError, match="Champ « enseigne » de 5000 caractères"):
        sirets(long_field)


def test_bad_rows_are_counted_with_their_line_and_the_rest_is_kept(tmp_path: Path) -> None:
    lines = real_lines()
    lines[5] = "000325175,00065,too,short\n"
    lines[7] = lines[7].replace("00180725400014", "0018072540001X")
    path = tmp_path / "bad_rows.csv"
    path.write_text("".join(lines))
    total_bad, examples, kept = 0, [], 0
    for batch in read_establishments(path, include_closed=True):
        total_bad += batch.stats.bad_rows
        examples += batch.stats.bad_examples
        kept += batch.stats.kept
    assert total_bad == 2 and kept == 297
    assert (6, "4 champs au lieu de 53") in examples
    assert (8, "SIRET invalide (14 chiffres attendus)") in examples


def test_newer_header_with_naf2025_and_semicolons(tmp_path: Path) -> None:
    lines = [line.rstrip("\n") for line in real_lines()]
    out = [lines[0] + "," + NAF25_COLUMN]
    # A made-up NAF 2025 value per row: what matters is that it is read by name.
    out += [line + ",NAF25-" + line.split(",")[2][-5:] for line in lines[1:]]
    path = tmp_path / "naf25.csv"
    path.write_text("\n".join(out).replace(",", ";") + "\n")
    rows = {r[0]: dict(zip(COPY_COLUMNS, r, strict=True)) for r in everything(path)}
    assert len(rows) == 15
    assert rows["00542012000015"]["naf2025"] == "NAF25-00015"
    assert rows["00542012000015"]["naf"] == "10.81Z"


def test_partial_diffusion_masks_become_missing_values(tmp_path: Path) -> None:
    lines = real_lines()
    # 00542002100056: active, 21 B BD DES PRES, 80100 ABBEVILLE.
    fields = lines[index_of(lines, "00542002100056")].split(",")
    fields[3] = "P"  # statutDiffusionEtablissement
    for i in (12, 13, 16, 17, 46):  # number, repetition, street type, street, enseigne
        fields[i] = "[ND]"
    path = tmp_path / "partial.csv"
    path.write_text(lines[0] + ",".join(fields))
    (row,) = everything(path)
    values = dict(zip(COPY_COLUMNS, row, strict=True))
    assert values["address"] == "80100 ABBEVILLE"
    assert values["enseigne"] is None
    assert values["location_source"] == "commune"


def test_unsorted_file_cannot_be_joined(tmp_path: Path) -> None:
    lines = real_lines()
    active = [line for line in lines[1:] if line.split(",")[45] == "A"]
    path = tmp_path / "unsorted.csv"
    path.write_text(lines[0] + "".join(reversed(active)))
    with pytest.raises(SireneFileError, match="non trié par SIREN"):
        sirets(path, unite_legale=UNITS)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(SireneFileError, match="Fichier vide"):
        sirets(path)


def test_nul_character_is_refused_with_its_line(tmp_path: Path) -> None:
    """PostgreSQL text cannot hold NUL: the file is refused before any COPY."""
    lines = real_lines()
    index = index_of(lines, "00032517500016")
    lines[index] = lines[index].replace("MANIHI COTE", "MANIHI\x00COTE")
    path = tmp_path / "nul.csv"
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SireneFileError, match=f"Caractère NUL .* ligne {index + 1}"):
        everything(path, include_closed=True)
