"""Reading BOAMP files: every accepted shape, and clear errors for the refused ones.

Bad files are made from the real ones (cut short, re-encoded, a field blown up) so that
the errors are the ones a real file would meet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chantiers_common.settings import data_dir
from prospects.boamp import BoampFileError, count_records, read_records

BOAMP = data_dir() / "boamp"
PAGE = BOAMP / "boamp_full_records_45.json"  # one-line page {"results": [...]}
PRETTY_PAGE = BOAMP / "boamp_eforms_2025_award_1record.json"  # indented page
ARRAY = BOAMP / "boamp_titles_8000.json"


def _ids(path: Path) -> list[str]:
    return [r["idweb"] for r in read_records(path)]


def test_real_files_in_their_shapes() -> None:
    assert len(_ids(PAGE)) == 45
    assert _ids(PRETTY_PAGE) == ["25-143062"]
    assert count_records(ARRAY) == 8000
    assert _ids(BOAMP / "boamp_joue_2023_awards_2records.json") == ["23-82666", "23-82695"]


def test_json_lines_of_records_and_of_pages(tmp_path: Path) -> None:
    records = list(read_records(PAGE))
    lines = tmp_path / "notices.jsonl"
    with lines.open("w", encoding="utf-8") as out:
        for record in records[:10]:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.write("\n")  # blank lines are skipped
        out.write(json.dumps({"total_count": 35, "results": records[10:]}) + "\n")
    assert _ids(lines) == [r["idweb"] for r in records]


def test_array_of_pages_and_utf8_bom(tmp_path: Path) -> None:
    records = list(read_records(PAGE))
    path = tmp_path / "pages.json"
    pages = [{"results": records[:20]}, {"results": records[20:]}]
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(pages).encode())
    assert len(_ids(path)) == 45


def test_truncated_array_names_the_position(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_bytes(ARRAY.read_bytes()[:200_000])
    # Columns count characters (accents are two bytes); the last whole record is named.
    with pytest.raises(BoampFileError,
                       match=r"ligne 1, colonne \d+ : JSON tronqué après l'enregistrement n°576"):
        count_records(path)


def test_truncated_json_lines_names_the_line(tmp_path: Path) -> None:
    records = json.loads(ARRAY.read_text(encoding="utf-8"))[:3]
    text = "".join(json.dumps(r) + "\n" for r in records)
    path = tmp_path / "cut.jsonl"
    path.write_text(text[:-40], encoding="utf-8")
    with pytest.raises(BoampFileError,
                       match=r"ligne 3, colonne \d+ : JSON invalide \(ligne tronquée"):
        list(read_records(path))


def test_latin1_file_is_refused_with_the_byte(tmp_path: Path) -> None:
    records = json.loads(ARRAY.read_text(encoding="utf-8"))[:50]
    array = tmp_path / "latin1.json"
    array.write_bytes(json.dumps(records, ensure_ascii=False).encode("cp1252", "replace"))
    with pytest.raises(BoampFileError, match=r"encodage invalide \(octet 0x[0-9a-f]{2}\), UTF-8"):
        count_records(array)
    lines = tmp_path / "latin1.jsonl"
    lines.write_bytes(
        b"".join(json.dumps(r, ensure_ascii=False).encode("cp1252", "replace") + b"\n"
                 for r in records)
    )
    with pytest.raises(BoampFileError, match=r"ligne 1, octet \d+ : encodage invalide"):
        count_records(lines)
    utf16 = tmp_path / "utf16.json"
    utf16.write_bytes(json.dumps(records).encode("utf-16"))
    with pytest.raises(BoampFileError, match="UTF-16"):
        count_records(utf16)


def test_not_a_record_shapes(tmp_path: Path) -> None:
    cases = {
        "numbers.json": ("[1, 2, 3]", "int au lieu d'un objet"),
        "siren.json": ('[{"siren": "123456789", "nom": "X"}]', "ne ressemble pas à un avis"),
        "object.json": ('{\n "total": 1,\n "rows": []\n}', "sans « results »"),
        "error.json": ('{\n "error_code": "ODSQLError",\n "message": "bad where"\n}',
                       "page d'erreur de l'API.*bad where"),
        "text.json": ("idweb;objet\n", "ni un tableau JSON"),
        "empty.json": ("  \n", "fichier vide"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        with pytest.raises(BoampFileError, match=message):
            count_records(path)


def test_hostile_field_size_is_refused(tmp_path: Path) -> None:
    record = next(iter(read_records(PAGE)))
    record["donnees"] = "x" * 6_000_000
    path = tmp_path / "huge.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(BoampFileError, match=r"champ « donnees » de 6 000 000 caractères"):
        count_records(path)
    with pytest.raises(BoampFileError, match="plus longue que 1 Mo"):
        count_records(path, max_line_bytes=1024 * 1024)


def test_json_lines_are_streamed_not_loaded(tmp_path: Path) -> None:
    """A 100 MB file of JSON lines: the first record comes after reading one line."""
    record = json.dumps(next(iter(read_records(PAGE)))) + "\n"
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as out:
        out.write(record * (100_000_000 // len(record) + 1))
    assert path.stat().st_size > 100_000_000
    records = read_records(path)
    assert next(records)["idweb"] == "15-31232"
    records.close()
    path.unlink()  # 100 MB: do not leave it in pytest's kept temporary folders


def test_xml_notice_errors(tmp_path: Path) -> None:
    real = (BOAMP / "xml_v230_2017" / "test-pub.xml").read_bytes()
    cut = tmp_path / "cut.xml"
    cut.write_bytes(real[:3000])
    with pytest.raises(BoampFileError, match=r"XML invalide ligne \d+"):
        list(read_records(cut))
    other = tmp_path / "other.xml"
    other.write_text("<FEED><ITEM/></FEED>", encoding="utf-8")
    with pytest.raises(BoampFileError, match="<ANNONCE>"):
        list(read_records(other))
