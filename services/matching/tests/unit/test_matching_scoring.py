"""Score and breakdown: points per component, the total out of 100, what changes it."""

from __future__ import annotations

import pytest

from matching.scoring import Part, Scorer, combine

WEIGHTS = {"sector": 30.0, "distance": 20.0, "deadline": 10.0}


def test_points_are_weight_times_share_and_the_score_is_out_of_100() -> None:
    score = combine(
        WEIGHTS, {"sector": Part(1.0, "a"), "distance": Part(0.5, "b"), "deadline": Part(0.0, "c")}
    )
    assert [c["points"] for c in score.components] == [30.0, 10.0, 0.0]
    assert score.value == 67
    assert score.reasons == ["a", "b"]  # most points first; nothing for no points


def test_the_quick_value_is_the_score_and_shared_parts_are_weighed_once() -> None:
    scorer = Scorer(WEIGHTS, {"deadline": Part(0.6, "c")})
    own = {"sector": Part(0.83, "a"), "distance": Part(0.27, "b")}
    assert (
        scorer.value(own)
        == scorer.score(own).value
        == combine(WEIGHTS, {**own, "deadline": Part(0.6, "c")}).value
    )
    with pytest.raises(ValueError, match="do not match"):
        scorer.value({"sector": Part(1, "a")})
    with pytest.raises(ValueError, match="no weight"):
        Scorer(WEIGHTS, {"charm": Part(1, "x")})


def test_shares_outside_zero_one_are_clamped() -> None:
    score = combine(
        WEIGHTS, {"sector": Part(1.7, "a"), "distance": Part(-1, "b"), "deadline": Part(1, "c")}
    )
    assert [c["points"] for c in score.components] == [30.0, 0.0, 10.0]


def test_the_fingerprint_moves_with_the_score_or_a_reason_only() -> None:
    parts = {"sector": Part(1.0, "a"), "distance": Part(0.5, "b"), "deadline": Part(1, "c")}
    same = combine(WEIGHTS, dict(parts))
    assert combine(WEIGHTS, parts).fingerprint == same.fingerprint
    reworded = combine(WEIGHTS, {**parts, "deadline": Part(1, "c2")})
    assert reworded.fingerprint != same.fingerprint
    rescored = combine(WEIGHTS, {**parts, "distance": Part(0.1, "b")})
    assert rescored.fingerprint != same.fingerprint
