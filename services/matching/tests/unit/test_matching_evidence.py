"""Evidence per segment: a Beta prior, so that a few answers move little."""

from __future__ import annotations

import pytest

from chantiers_common.events.common_types import Outcome
from matching.evidence import Segment, SegmentEvidence, change

SEGMENT = Segment("creation-et-entretien-des-espaces-verts", "68", "69")


def test_segments_need_a_sector_a_naf_code_and_a_department() -> None:
    assert Segment.of("x", "68.20A", "69") == Segment("x", "68", "69")
    assert Segment.of("x", None, "69") is None and Segment.of("x", "68.20A", None) is None


def test_the_posterior_starts_at_the_prior_and_moves_with_answers() -> None:
    none = SegmentEvidence(SEGMENT, {})
    assert none.posterior_mean == none.prior_mean == 0.5 and none.factor(0.5, 1.5) == 1
    some = SegmentEvidence(SEGMENT, {"won": 1, "interested": 1, "not_interested": 1})
    assert (some.successes, some.failures, some.answers) == (2, 1, 3)
    assert some.posterior_mean == pytest.approx(4 / 7)
    assert some.summary() == "retours du terrain sur ce segment : 2 positifs sur 3 réponses"
    many = SegmentEvidence(SEGMENT, {"won": 40})
    assert many.factor(0.5, 1.5) == 1.5  # bounded
    assert SegmentEvidence(SEGMENT, {"lost": 40}).factor(0.5, 1.5) == 0.5


def test_a_contacts_new_answer_replaces_its_previous_one() -> None:
    counts = change({}, None, Outcome.INTERESTED)
    counts = change(counts, Outcome.INTERESTED, Outcome.WON)
    assert counts == {"won": 1}
    assert change(counts, None, Outcome.LOST) == {"won": 1, "lost": 1}
    # An older answer that was never counted (it arrived after the newer one) is no debt.
    assert change({"won": 1}, Outcome.INTERESTED, Outcome.LOST) == {"won": 1, "lost": 1}
