"""The reviewed data files of client and same-trade NAF codes: every sector exists in the
taxonomy, every code is a real NAF rev2 code with its official label."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from matching.classification import sector_names
from matching.naf_links import DATA, FILES, load_links, read_links


def reference_naf(data_dir: Path) -> dict[str, str]:
    return json.loads((data_dir / "reference" / "annuaire_codes-NAF.json").read_text())


def all_links():  # type: ignore[no-untyped-def]
    return [link for relation, name in FILES.items() for link in read_links(DATA / name, relation)]  # type: ignore[arg-type]


def test_every_sector_is_a_slug_of_the_taxonomy() -> None:
    names = sector_names()
    unknown = sorted({link.sector for link in all_links()} - set(names))
    assert unknown == []


def test_every_code_is_a_real_naf_code_with_its_official_label(data_dir: Path) -> None:
    naf = reference_naf(data_dir)
    wrong = [(link.naf, link.label) for link in all_links() if naf.get(link.naf) != link.label]
    assert wrong == []


def test_weights_are_shares_and_each_pair_is_listed_once() -> None:
    links = all_links()
    assert all(0 < link.weight <= 1 for link in links)
    pairs = Counter((link.sector, link.naf) for link in links)
    assert [pair for pair, n in pairs.items() if n > 1] == []
    assert all(link.why.strip() for link in links)


def test_the_main_aci_trades_have_clients_and_same_trade_companies() -> None:
    links = load_links()
    for sector in (
        "creation-et-entretien-des-espaces-verts",
        "nettoyage-de-locaux-16",
        "maraichage",
        "recyclage-textiles",
        "demenagement-45",
        "peinture-revetement-des-murs",
    ):
        relations = {link.relation for link in links.by_sector[sector]}
        assert relations == {"client", "same_trade"}, sector
    landlord = links.best("creation-et-entretien-des-espaces-verts", "68.20A")
    assert landlord is not None and landlord.relation == "client" and landlord.weight == 1.0
    assert links.best("creation-et-entretien-des-espaces-verts", "81.30Z").relation == (
        "same_trade"
    )
    assert links.best("creation-et-entretien-des-espaces-verts", "10.71C") is None
    assert "68.20A" in links.codes_for("nettoyage-de-locaux-16")
