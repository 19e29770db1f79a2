"""Headroom under the cap on an ACI's sales (30 %, or 50 % by derogation)."""

import pytest

from chantiers_common.events.structures import Structure
from structures.headroom import (
    DEROGATION_CAP_RATE,
    STANDARD_CAP_RATE,
    cap_rate,
    fits_under_cap,
    headroom_eur,
    is_over_cap,
    with_headroom,
)


def aci(revenue=None, costs=None, rate=STANDARD_CAP_RATE, kind="ACI"):
    return Structure(siret="80746931700018", siren="807469317", kind=kind, name="Essai",
                     commercial_revenue_eur=revenue, commercial_costs_eur=costs, cap_rate=rate)


def test_headroom_is_cap_rate_times_costs_minus_revenue():
    assert headroom_eur(20_000, 100_000) == 10_000.0
    assert headroom_eur(20_000, 100_000, DEROGATION_CAP_RATE) == 30_000.0
    assert cap_rate(derogation=True) == 0.5 and cap_rate() == 0.3


def test_headroom_is_rounded_to_the_cent():
    # 0.3 × 100 000 is 30 000.000000000004 in floating point
    assert headroom_eur(0, 100_000) == 30_000.0
    assert headroom_eur(0.01, 33.33) == 9.99


def test_headroom_is_unknown_until_both_figures_are_declared():
    assert headroom_eur(None, 100_000) is None
    assert headroom_eur(20_000, None) is None
    assert with_headroom(aci()).headroom_eur is None
    assert is_over_cap(aci()) is None and fits_under_cap(aci(), 1_000) is None


def test_negative_headroom_means_over_the_cap():
    structure = with_headroom(aci(revenue=40_000, costs=100_000))
    assert structure.headroom_eur == -10_000.0
    assert is_over_cap(structure) is True


def test_a_contract_fits_when_its_revenue_stays_under_the_cap():
    structure = aci(revenue=20_000, costs=100_000)
    assert fits_under_cap(structure, 10_000) is True
    assert fits_under_cap(structure, 10_000.01) is False
    assert fits_under_cap(aci(revenue=20_000, costs=100_000, rate=0.5), 25_000) is True


def test_only_acis_have_a_cap():
    assert with_headroom(aci(revenue=20_000, costs=100_000, kind="EI")).headroom_eur is None


@pytest.mark.parametrize("rate", [0, -0.1, 0.51, 1])
def test_cap_rate_out_of_bounds_is_refused(rate):
    with pytest.raises(ValueError, match="taux de plafond"):
        headroom_eur(1, 1, rate)


def test_negative_figures_are_refused():
    with pytest.raises(ValueError, match="négatifs"):
        headroom_eur(-1, 100)
