"""Tables the service ships instead of reading the shared data at run time: SIRENE
headcount bands, and the DECP buyer → winner pairs (rebuilt here from the real files)."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

from matching.buyer_history import DATA as DECP_AWARDS
from matching.buyer_history import BuyerHistory
from matching.company_components import HEADCOUNT_BANDS

TOOL = Path(__file__).resolve().parents[2] / "tools" / "build_decp_awards.py"


def test_headcount_bands_are_insee_s(data_dir: Path) -> None:
    reference = json.loads(
        (data_dir / "reference" / "annuaire_tranches-effectifs.json").read_text()
    )
    assert set(HEADCOUNT_BANDS) == set(reference)
    for code, (_, label) in HEADCOUNT_BANDS.items():
        assert reference[code].startswith(label), (code, label)
    shares = [
        HEADCOUNT_BANDS[code][0] for code in sorted(HEADCOUNT_BANDS) if code not in ("NN", "00")
    ]
    assert shares == sorted(shares)  # larger establishments never count for less


def test_the_decp_pairs_file_is_what_the_tool_builds_from_the_real_contracts(
    data_dir: Path,
) -> None:
    spec = importlib.util.spec_from_file_location("build_decp_awards", TOOL)
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    pairs, contracts = tool.award_pairs(data_dir)
    with DECP_AWARDS.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    assert {(r["acheteur"], r["titulaire"]): int(r["contrats"]) for r in rows} == dict(pairs)
    assert contracts > 1500


def test_buyers_history_counts_contracts_to_winners_that_are_siae() -> None:
    history = BuyerHistory(
        [("21690123100011", "34832377500018", 2), ("21690123100011", "55208131766522", 5)]
    )
    assert history.siae_contracts("21690123100011", {"34832377500018"}) == 2
    assert history.siae_contracts("21690123100011", set()) == 0
    assert history.siae_contracts(None, {"34832377500018"}) == 0
    history.set_live([("21690123100011", "34832377500018", 1)])
    assert history.siae_contracts("21690123100011", {"34832377500018"}) == 3
    shipped = BuyerHistory.from_file()
    assert len(shipped) > 1000
    # A real case of the DECP 2019: this department awarded a contract to an SIAE.
    assert shipped.siae_contracts("22380001200013", {"42265580300043"}) >= 1
