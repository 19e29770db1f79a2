"""The scoring configuration: one data file, named components, checked when loaded."""

from __future__ import annotations

import tomllib

import pytest
from pydantic import ValidationError

from chantiers_common.events.common_types import LeadKind
from matching.weights import COMPONENTS, DATA, load_config, parse_config


def test_the_shipped_configuration_weighs_exactly_the_components_of_each_kind() -> None:
    config = load_config()
    for kind, names in COMPONENTS.items():
        assert tuple(config.weights(kind)) == names
        assert all(weight > 0 for weight in config.weights(kind).values())


def _without(section: str, component: str) -> str:
    raw = tomllib.loads((DATA / "scoring.toml").read_text(encoding="utf-8"))
    del raw[section][component]
    lines = [f"version = {raw['version']}"]
    for name in ("tender", "award", "company", "rules"):
        lines.append(f"[{name}]")
        lines += [f"{k} = {v!r}" for k, v in raw[name].items()]
    return "\n".join(lines)


def test_a_missing_component_is_refused_with_its_name() -> None:
    with pytest.raises(ValidationError, match=r"\[tender\].*manquantes \['amount'\]"):
        parse_config(_without("tender", "amount"))


def test_an_unknown_component_or_a_null_weight_is_refused() -> None:
    text = (DATA / "scoring.toml").read_text(encoding="utf-8")
    with pytest.raises(ValidationError, match="inconnues \\['charm'\\]"):
        parse_config(text.replace("[award]", "[award]\ncharm = 3", 1))
    with pytest.raises(ValidationError, match="positif"):
        parse_config(text.replace("ess = 7", "ess = 0", 1))


def test_every_kind_has_a_minimum_score_rule_only_for_companies() -> None:
    rules = load_config().rules
    assert 0 < rules.company_min_score < 100
    assert rules.evidence_factor_min < 1 < rules.evidence_factor_max
    assert set(COMPONENTS) == set(LeadKind)
