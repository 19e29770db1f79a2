"""Reading the real SIAE registry export into Structure contracts."""

import collections
import json
import time

import pytest

from chantiers_common.settings import data_dir
from structures.siae_file import SIAE_FILE, fingerprint, parse_siae_file, read_siae_file


@pytest.fixture(scope="module")
def parsed():
    return read_siae_file(data_dir() / SIAE_FILE)


@pytest.fixture(scope="module")
def by_pk(parsed):
    return {record.pk: record for record in parsed.records}


def test_every_record_is_either_parsed_or_rejected_with_a_reason(parsed):
    rows = json.loads((data_dir() / SIAE_FILE).read_text(encoding="utf-8"))
    assert len(parsed.records) + len(parsed.rejected) == len(rows) == 3853
    reasons = collections.Counter(r.code for r in parsed.rejected)
    # 13 wrong check digits (2 of them in the SIREN), 12 SIRETs seen twice.
    assert reasons == {"siret.checksum": 11, "siret.siren_checksum": 2, "siret.duplicate": 12}
    assert all(r.field == "siret" and r.reason for r in parsed.rejected)


def test_duplicated_sirets_keep_their_first_record(parsed, by_pk):
    duplicate = next(r for r in parsed.rejected if r.pk == 3842)  # ENTRAIDE EMPLOI AI
    assert "pk 61, ACI" in duplicate.reason
    assert by_pk[61].structure.kind == "ACI"
    sirets = [record.structure.siret for record in parsed.records]
    assert len(sirets) == len(set(sirets))


def test_kinds_are_those_of_the_file(parsed):
    kinds = collections.Counter(record.structure.kind for record in parsed.records)
    # 1,815 ACIs in the file, 2 of them hand-made duplicates of an EI's SIRET.
    assert kinds == {"ACI": 1813, "EI": 930, "AI": 615, "ETTI": 298, "GEIQ": 170, "EA": 2}


def test_a_structure_has_what_the_record_says(by_pk):
    record = by_pk[1]
    structure = record.structure
    assert structure.siret == "80746931700018" and structure.siren == "807469317"
    assert (structure.name, structure.brand) == ("BALUCHON A TABLE CITOYENS",
                                                 "Baluchon-À table citoyens")
    assert (structure.post_code, structure.city, structure.commune_insee) == (
        "93230", "Romainville", "93063")
    assert (structure.department, structure.region) == ("93", "11")
    # "SRID=4326;POINT (2.431955 48.88053)": longitude first
    assert (structure.location.lat, structure.location.lon) == (48.88053, 2.431955)
    assert structure.naf == "56.21Z"
    assert record.contact_email == "guillaumejoubert@bouvet.com"
    assert record.employees_band == "50 à 99 salariés"
    assert structure.active is True


def test_siren_region_and_commune_are_derived_for_almost_all(parsed):
    structures = [record.structure for record in parsed.records]
    assert all(s.siren == s.siret[:9] for s in structures)
    with_commune = sum(1 for s in structures if s.commune_insee)
    assert with_commune >= len(structures) - 15  # 12 addresses name no findable commune
    # Every department but the overseas collectivities (975: Saint-Pierre-et-Miquelon).
    assert all(s.region for s in structures if s.department != "975")


def test_missing_coordinates_come_from_the_commune(by_pk):
    record = by_pk[1069]  # department 975, no coordinates in the file
    assert record.structure.location is not None
    assert "location : coordonnées absentes, centre de la commune utilisé" in record.warnings


def test_coordinates_written_in_scientific_notation_are_read(by_pk):
    assert by_pk[636].structure.location.lon == pytest.approx(2.4e-05)


def test_declared_counts_and_revenue_are_kept(by_pk):
    agate = by_pk[1591].structure
    assert (agate.insertion_headcount, agate.permanent_headcount) == (180, 23)
    assert by_pk[3292].structure.commercial_revenue_eur == 1_700_000
    # No costs declared in the file: the headroom is unknown, not zero.
    assert by_pk[3292].structure.headroom_eur is None


def test_addresses_far_from_their_coordinates_are_flagged(by_pk):
    assert any(w.startswith("location : à 904 km") for w in by_pk[3758].warnings)


def test_fingerprint_is_stable_and_follows_the_content(by_pk):
    structure = by_pk[1].structure
    assert fingerprint(structure) == fingerprint(structure.model_copy())
    assert len(fingerprint(structure)) == 64
    assert fingerprint(structure) != fingerprint(structure.model_copy(update={"name": "X"}))


def test_parsing_twice_gives_the_same_structures(parsed):
    again = read_siae_file(data_dir() / SIAE_FILE)
    assert [fingerprint(r.structure) for r in again.records] == [
        fingerprint(r.structure) for r in parsed.records]


def test_parsing_the_whole_file_is_fast():
    start = time.perf_counter()
    count = sum(1 for _ in parse_siae_file(data_dir() / SIAE_FILE, on_reject=lambda _: None))
    elapsed = time.perf_counter() - start
    print(f"\n{count} structures parsed in {elapsed:.2f} s")
    assert elapsed < 2.0


def test_broken_records_are_reported_not_dropped(tmp_path):
    rows = [
        {"pk": 1, "fields": {"siret": "80746931700018", "name": "BON", "kind": "ACI",
                             "naf": "88-99", "coords": "POINT (1 2)", "post_code": "9323",
                             "department": "93", "email": "pas-un-email"}},
        {"pk": 2, "fields": {"siret": "80746931700019", "name": "CLÉ FAUSSE", "kind": "EI"}},
        {"pk": 3, "fields": {"siret": "41920613100031", "name": "", "kind": "ACI"}},
        {"pk": 4, "fields": {"siret": "41920613100031", "name": "SANS TYPE", "kind": " "}},
        {"pk": 5, "fields": {"name": "SANS SIRET", "kind": "AI"}},
    ]
    path = tmp_path / "siaes.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    result = read_siae_file(path)
    [record] = result.records
    assert record.structure.naf is None and record.structure.location is None
    assert record.contact_email is None
    assert {w.split(" : ")[0] for w in record.warnings} == {"naf", "location", "post_code",
                                                            "email"}
    assert [(r.pk, r.code) for r in result.rejected] == [
        (2, "siret.checksum"), (3, "name.missing"), (4, "kind.missing"), (5, "siret.missing")]
