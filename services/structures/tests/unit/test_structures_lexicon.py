"""Review of the versioned lexicon and NAF table: every slug and code must be real."""

import json
import re
import tomllib
from importlib import resources

from chantiers_common.settings import data_dir
from structures.reference import load_taxonomy
from structures.suggest import LEXICON_FILE, NAF_FILE, load_lexicon


def raw(name):
    return tomllib.loads((resources.files("structures") / "data" / name).read_text("utf-8"))


def naf_labels():
    return json.loads((data_dir() / "reference/annuaire_codes-NAF.json").read_text("utf-8"))


def test_both_files_are_versioned():
    assert re.fullmatch(r"\d{4}\.\d{2}\.\d+", raw(LEXICON_FILE)["version"])
    assert re.fullmatch(r"\d{4}\.\d{2}\.\d+", raw(NAF_FILE)["version"])


def test_every_suggested_slug_exists_in_the_taxonomy():
    taxonomy = load_taxonomy()
    unknown = sorted(slug for slug in load_lexicon().slugs() if slug not in taxonomy)
    assert unknown == []


def test_weights_are_probabilities():
    for rule in raw(LEXICON_FILE)["rule"]:
        assert all(0 < weight <= 1 for weight in rule["sectors"].values()), rule
    for code, sectors in raw(NAF_FILE)["codes"].items():
        assert all(0 < weight <= 1 for weight in sectors.values()), code


def test_patterns_are_written_folded_and_compile():
    for rule in raw(LEXICON_FILE)["rule"]:
        for pattern in rule["match"] + rule.get("unless", []):
            re.compile(pattern)
            # fold() leaves lower-case ASCII letters, digits and single spaces: anything
            # else outside the regex syntax (an accent, a capital, a hyphen) never matches.
            literal = re.sub(r"\[[^\]]*\]|\\[a-z]|\(\?[:!]|[()?*+|^$]", "", pattern)
            assert re.fullmatch(r"[a-z0-9 ]+", literal), f"not folded: {pattern!r}"
            assert "  " not in pattern, f"double space: {pattern!r}"


def test_every_naf_code_exists():
    labels = naf_labels()
    table = raw(NAF_FILE)
    for code in [*table["codes"], *table["silent"], *table["fallback"]]:
        assert code in labels, code


def test_silent_codes_suggest_nothing_and_fallbacks_suggest_something():
    table = raw(NAF_FILE)
    assert "88.99B" in table["silent"]  # the typical ACI code
    assert not set(table["silent"]) & set(table["codes"])
    assert set(table["fallback"]) <= set(table["codes"])
